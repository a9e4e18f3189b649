"""Geography adapters: shapely spatial indexes and readers of boundary, gazetteer and zone
files."""
