"""Sources of readings: the MyElectricalData gateway, demo data, file imports."""
