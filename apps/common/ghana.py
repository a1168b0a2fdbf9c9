"""Ghana reference data: the 16 regions with their towns, and the trade taxonomy.

Regions follow the 2019 reorganisation (C.I. 113) that created Oti, Savannah, North East,
Western North, Bono East and Ahafo. Trades follow the CTVET/NVTI programme names.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.TextChoices):
    GREATER_ACCRA = "greater-accra", _("Greater Accra")
    ASHANTI = "ashanti", _("Ashanti")
    WESTERN = "western", _("Western")
    WESTERN_NORTH = "western-north", _("Western North")
    CENTRAL = "central", _("Central")
    EASTERN = "eastern", _("Eastern")
    VOLTA = "volta", _("Volta")
    OTI = "oti", _("Oti")
    NORTHERN = "northern", _("Northern")
    SAVANNAH = "savannah", _("Savannah")
    NORTH_EAST = "north-east", _("North East")
    UPPER_EAST = "upper-east", _("Upper East")
    UPPER_WEST = "upper-west", _("Upper West")
    BONO = "bono", _("Bono")
    BONO_EAST = "bono-east", _("Bono East")
    AHAFO = "ahafo", _("Ahafo")


# Regional capital first, then other large towns (2021 census order where known).
REGION_TOWNS: dict[str, list[str]] = {
    Region.GREATER_ACCRA: ["Accra", "Tema", "Madina", "Ashaiman", "Teshie", "Nungua", "Dome", "Adenta", "Kasoa"],
    Region.ASHANTI: ["Kumasi", "Obuasi", "Ejisu", "Konongo", "Mampong", "Bekwai"],
    Region.WESTERN: ["Sekondi-Takoradi", "Tarkwa", "Prestea", "Axim"],
    Region.WESTERN_NORTH: ["Sefwi Wiawso", "Bibiani", "Enchi"],
    Region.CENTRAL: ["Cape Coast", "Winneba", "Kasoa", "Mankessim", "Elmina"],
    Region.EASTERN: ["Koforidua", "Nkawkaw", "Nsawam", "Akim Oda", "Somanya"],
    Region.VOLTA: ["Ho", "Hohoe", "Aflao", "Keta", "Kpando"],
    Region.OTI: ["Dambai", "Nkwanta", "Kete Krachi", "Jasikan"],
    Region.NORTHERN: ["Tamale", "Yendi", "Savelugu", "Bimbilla"],
    Region.SAVANNAH: ["Damongo", "Bole", "Salaga", "Buipe"],
    Region.NORTH_EAST: ["Nalerigu", "Walewale", "Gambaga"],
    Region.UPPER_EAST: ["Bolgatanga", "Navrongo", "Bawku", "Zebilla"],
    Region.UPPER_WEST: ["Wa", "Tumu", "Lawra", "Jirapa"],
    Region.BONO: ["Sunyani", "Berekum", "Dormaa Ahenkro", "Wenchi"],
    Region.BONO_EAST: ["Techiman", "Kintampo", "Atebubu", "Nkoranza"],
    Region.AHAFO: ["Goaso", "Bechem", "Duayaw Nkwanta", "Kenyasi"],
}


class Trade(models.TextChoices):
    CARPENTRY = "carpentry", _("Carpentry and joinery")
    MASONRY = "masonry", _("Masonry and block-laying")
    PLUMBING = "plumbing", _("Plumbing")
    ELECTRICAL = "electrical", _("Electrical installation")
    WELDING = "welding", _("Welding and fabrication")
    AUTO_MECHANICS = "auto-mechanics", _("Auto mechanics")
    TAILORING = "tailoring", _("Tailoring and dressmaking")
    HAIRDRESSING = "hairdressing", _("Hairdressing and barbering")
    ELECTRONICS = "electronics-repair", _("Electronics repair")
    REFRIGERATION = "refrigeration", _("Refrigeration and air-conditioning")
    PAINTING = "painting", _("Painting and decoration")
    TILING = "tiling", _("Tiling")
    UPHOLSTERY = "upholstery", _("Furniture and upholstery")
    SHOEMAKING = "shoemaking", _("Leatherwork and shoemaking")
    CATERING = "catering", _("Catering")
    AUTO_ELECTRICAL = "auto-electrical", _("Auto electrical")
    ALUMINIUM = "aluminium", _("Aluminium fabrication")
    GRAPHIC_DESIGN = "graphic-design", _("Graphic design and printing")


class CertificationLevel(models.TextChoices):
    NONE = "", _("No formal certificate")
    PROFICIENCY_1 = "np1", _("National Proficiency I")
    PROFICIENCY_2 = "np2", _("National Proficiency II")
    CERTIFICATE_1 = "nc1", _("National Certificate I")
    CERTIFICATE_2 = "nc2", _("National Certificate II")


def towns_for(region: str) -> list[str]:
    return REGION_TOWNS.get(region, [])
