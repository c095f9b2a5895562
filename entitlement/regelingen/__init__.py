"""The regeling files (one YAML per regeling); a package only so that they ship with hhb."""
