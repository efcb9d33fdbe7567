"""`python -m ccreport`: the same as the `ccreport` command."""

from .cli import main

if __name__ == "__main__":
    main()
