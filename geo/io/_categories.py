"""Each source's own offence labels onto our taxonomy (DESIGN §2), one table per format.

Sources classify offences by law, not by what a person on a night out would recognise, so the
maps are judgement calls, kept in one place where they can be read and argued with. Rules:
a label goes to the most specific category that describes the *event* (Chicago ``BATTERY`` is
violence, police.uk ``Vehicle crime`` is theft); legal or administrative labels with no street
meaning (warrants, fraud, missing persons, traffic) go to ``other`` on purpose. Labels a map
does not know are left unmapped, so the validator counts them as ``category_unmapped_to_other``
and the report shows the map needs a line. Matching ignores case and repeated spaces; the raw
label is always kept in ``category_raw``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

CHICAGO: dict[str, str] = {
    "arson": "criminal_damage",
    "assault": "violence",
    "battery": "violence",
    "burglary": "burglary",
    "concealed carry license violation": "weapons",
    "crim sexual assault": "sexual_violence",
    "criminal damage": "criminal_damage",
    "criminal sexual assault": "sexual_violence",
    "criminal trespass": "other",
    "deceptive practice": "other",
    "gambling": "other",
    "homicide": "violence",
    "human trafficking": "violence",
    "interference with public officer": "other",
    "intimidation": "harassment",
    "kidnapping": "violence",
    "liquor law violation": "disorder",
    "motor vehicle theft": "theft",
    "narcotics": "drugs",
    "non-criminal": "other",
    "obscenity": "other",
    "offense involving children": "other",
    "other narcotic violation": "drugs",
    "other offense": "other",
    "prostitution": "other",
    "public indecency": "harassment",
    "public peace violation": "disorder",
    "robbery": "robbery",
    "sex offense": "sexual_violence",
    "stalking": "harassment",
    "theft": "theft",
    "weapons violation": "weapons",
}
"""Chicago ``Primary Type`` (Crimes - 2001 to Present)."""

SF: dict[str, str] = {
    "arson": "criminal_damage",
    "assault": "violence",
    "burglary": "burglary",
    "case closure": "other",
    "civil sidewalks": "disorder",
    "courtesy report": "other",
    "disorderly conduct": "disorder",
    "drug offense": "drugs",
    "drug violation": "drugs",
    "embezzlement": "other",
    "fire report": "other",
    "forgery and counterfeiting": "other",
    "fraud": "other",
    "gambling": "other",
    "homicide": "violence",
    "human trafficking (a), commercial sex acts": "sexual_violence",
    "human trafficking (b), involuntary servitude": "violence",
    "human trafficking, commercial sex acts": "sexual_violence",
    "juvenile offenses": "other",
    "larceny theft": "theft",
    "liquor laws": "disorder",
    "lost property": "other",
    "malicious mischief": "criminal_damage",
    "miscellaneous investigation": "other",
    "missing person": "other",
    "motor vehicle theft": "theft",
    "motor vehicle theft?": "theft",
    "non-criminal": "other",
    "offences against the family and children": "other",
    "other": "other",
    "other miscellaneous": "other",
    "other offenses": "other",
    "prostitution": "other",
    "rape": "sexual_violence",
    "recovered vehicle": "other",
    "robbery": "robbery",
    "sex offense": "sexual_violence",
    "stolen property": "other",
    "suicide": "other",
    "suspicious": "other",
    "suspicious occ": "other",
    "traffic collision": "other",
    "traffic violation arrest": "other",
    "vandalism": "criminal_damage",
    "vehicle impounded": "other",
    "vehicle misplaced": "other",
    "warrant": "other",
    "weapons carrying etc": "weapons",
    "weapons offence": "weapons",
    "weapons offense": "weapons",
}
"""San Francisco ``Incident Category`` (Police Department Incident Reports: 2018 to Present)."""

NYPD: dict[str, str] = {
    "administrative code": "other",
    "alcoholic beverage control law": "disorder",
    "arson": "criminal_damage",
    "assault 3 & related offenses": "violence",
    "burglar's tools": "burglary",
    "burglary": "burglary",
    "child abandonment/non support": "other",
    "criminal mischief & related of": "criminal_damage",
    "criminal mischief & related offenses": "criminal_damage",
    "criminal trespass": "other",
    "dangerous drugs": "drugs",
    "dangerous weapons": "weapons",
    "disorderly conduct": "disorder",
    "felony assault": "violence",
    "felony sex crimes": "sexual_violence",
    "forgery": "other",
    "frauds": "other",
    "gambling": "other",
    "grand larceny": "theft",
    "grand larceny of motor vehicle": "theft",
    "harassment 2": "harassment",
    "harrassment 2": "harassment",
    "homicide-negligent,unclassifie": "violence",
    "homicide-negligent-vehicle": "other",
    "intoxicated & impaired driving": "other",
    "intoxicated/impaired driving": "other",
    "jostling": "theft",
    "kidnapping": "violence",
    "kidnapping & related offenses": "violence",
    "loitering": "disorder",
    "loitering/gambling (cards, dic": "disorder",
    "miscellaneous penal law": "other",
    "murder & non-negl. manslaughter": "violence",
    "offenses against public admini": "other",
    "offenses against the person": "violence",
    "offenses involving fraud": "other",
    "offenses related to children": "other",
    "off. agnst pub ord sensblty &": "disorder",
    "other offenses related to thef": "theft",
    "other state laws": "other",
    "other state laws (non penal la": "other",
    "petit larceny": "theft",
    "petit larceny of motor vehicle": "theft",
    "possession of stolen property": "other",
    "prostitution & related offenses": "other",
    "rape": "sexual_violence",
    "robbery": "robbery",
    "sex crimes": "sexual_violence",
    "theft of services": "theft",
    "theft-fraud": "other",
    "unauthorized use of a vehicle": "theft",
    "unlawful poss. weap. on school": "weapons",
    "vehicle and traffic laws": "other",
}
"""NYPD complaint data ``OFNS_DESC`` (labels are cut at 30 characters in the export)."""

POLICEUK: dict[str, str] = {
    "anti-social behaviour": "disorder",
    "bicycle theft": "theft",
    "burglary": "burglary",
    "criminal damage and arson": "criminal_damage",
    "drugs": "drugs",
    "other crime": "other",
    "other theft": "theft",
    "possession of weapons": "weapons",
    "public disorder and weapons": "disorder",
    "public order": "disorder",
    "robbery": "robbery",
    "shoplifting": "theft",
    "theft from the person": "theft",
    "vehicle crime": "theft",
    "violence and sexual offences": "violence",
    "violent crime": "violence",
}
"""police.uk ``Crime type``; "Violence and sexual offences" cannot be split, so it is violence."""

CATEGORY_MAPS: dict[str, dict[str, str]] = {
    "chicago": CHICAGO,
    "sf": SF,
    "nypd": NYPD,
    "policeuk": POLICEUK,
}


def normalise_label(label: str) -> str:
    """The matching key of a label: lower case, single spaces, no surrounding blanks."""
    return re.sub(r"\s+", " ", str(label)).strip().lower()


def map_categories(raw: pd.Series, table: Mapping[str, str]) -> pd.Series:
    """Our category for each raw label; NA where the map does not know the label.

    Unknown labels stay NA so the validator counts them as unmapped instead of a label that
    happens to spell a category (SF ``Burglary``) slipping through unexamined.
    """
    keys = {normalise_label(k): v for k, v in table.items()}
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    # Map each distinct label once: a million rows carry a few dozen labels.
    mapped = np.array([keys.get(normalise_label(u)) for u in uniques] + [None], dtype=object)
    return pd.Series(mapped[codes], index=raw.index, dtype="str")
