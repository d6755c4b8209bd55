"""Click commands of `newsarchive`, each module registered at the bottom of cli.py."""
