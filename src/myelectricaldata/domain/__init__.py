"""Domain: typed readings, units, time and tariff rules. Imports nothing else of the package."""
