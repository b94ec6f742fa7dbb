"""China's administrative divisions (省市区): reference data the customers and leads forms pick from."""
