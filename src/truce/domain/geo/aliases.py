"""Spellings of Syrian units used by ACLED, UCDP, the Violations Documentation Center and the
parties, beside OCHA's own. Each maps to an OCHA P-code (2016 common operational dataset)."""

from __future__ import annotations

from truce.domain.geo.places import Alias

SEED_SOURCE = "seed"

# P-code -> spellings other than the dataset's own.
_SEED: dict[str, tuple[str, ...]] = {
    "SY01": ("Dimashq", "Damas", "Al-Sham", "الشام"),
    "SY02": ("Halab", "Alep", "Haleb"),
    "SY03": (
        "Rif Dimashq",
        "Rif Damascus",
        "Reef Damascus",
        "Damascus Suburbs",
        "Damascus Countryside",
        "Rural Damascus",
        "ريف دمشق",
    ),
    "SY04": ("Hims", "Homs Governorate"),
    "SY05": ("Hamah", "Hamah Governorate"),
    "SY06": ("Latakia", "Lattaquié", "Al Ladhiqiyah", "Ladhiqiyah"),
    "SY07": ("Idlib", "Edlib", "Idleb Governorate"),
    "SY08": ("Hasakeh", "Hasakah", "Hassakeh", "Al Hasakah", "Al-Hasakah", "Hasaka"),
    "SY09": (
        "Deir ez-Zor",
        "Deir ez Zor",
        "Deir Ezzor",
        "Deir al-Zour",
        "Deir Ez-Zour",
        "Dayr az Zawr",
        "Deir Azzor",
    ),
    "SY10": ("Tartus", "Tartous Governorate"),
    "SY11": ("Raqqa", "Al Raqqah", "Ar Raqqah", "Raqqah", "Rakka"),
    "SY12": ("Daraa", "Dara", "Deraa", "Dar'a", "Dera'a", "Daraa Governorate"),
    "SY13": ("Sweida", "As Suwayda", "Suwayda", "Suwaida", "Sweida Governorate"),
    "SY14": ("Quneitra", "Al Qunaytirah", "Qunaitra", "Kuneitra"),
    "SY030702": (
        "Ain al-Fijah",
        "Ayn al-Fijah",
        "Ain al Fija",
        "Ein al-Fijeh",
        "Fijeh",
        "عين الفيجة",
        "نبع الفيجة",
    ),
    # The Barada valley lies mostly in the Az-Zabdani district: known as that district, not a point.
    "SY0307": ("Wadi Barada", "وادي بردى"),
}


def seed_aliases() -> list[Alias]:
    return [
        Alias(text=text, target=pcode, source=SEED_SOURCE)
        for pcode, texts in sorted(_SEED.items())
        for text in texts
    ]
