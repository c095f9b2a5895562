"""Scenario files beside the regelingen; a package only so that they ship with hhb."""
