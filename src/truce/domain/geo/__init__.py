"""Syrian geography, pure: administrative units, places, names, resolution, precision, zones.

Geometry stays opaque here (WKB bytes or GeoJSON text); the adapters that understand it
(shapely) build spatial indexes from what this package describes.
"""
