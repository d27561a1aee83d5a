"""Allow ``python -m myelectricaldata``."""

from myelectricaldata.cli import main

main()
