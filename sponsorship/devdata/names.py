"""The demo's and the scale data's typed names in English, French and Spanish.

An administrator types meeting, session and venue names and the signatory's title in
the three languages (models/languages.py); the generated data does the same, so a
French or Spanish reader of `make run` sees their own language rather than the
English fallback. Wording follows the Convention's own usage in each language.
"""

from __future__ import annotations

#: English session title -> (French, Spanish).
SESSION_TITLES = {
    "Opening and general exchange of views": (
        "Ouverture et échange de vues général",
        "Apertura e intercambio general de opiniones",
    ),
    "Article 5 extension requests": (
        "Demandes de prolongation au titre de l'article 5",
        "Solicitudes de prórroga en virtud del artículo 5",
    ),
    "Victim assistance": ("Assistance aux victimes", "Asistencia a las víctimas"),
    "Universalization": ("Universalisation", "Universalización"),
    "Committee on Article 5 Implementation": (
        "Comité sur l'application de l'article 5",
        "Comité sobre la Aplicación del Artículo 5",
    ),
    "Committee on Victim Assistance": (
        "Comité sur l'assistance aux victimes",
        "Comité de Asistencia a las Víctimas",
    ),
    "Committee on Article 4 Implementation": (
        "Comité sur l'application de l'article 4",
        "Comité sobre la Aplicación del Artículo 4",
    ),
    "Committee on the Enhancement of Cooperation and Assistance": (
        "Comité sur le renforcement de la coopération et de l'assistance",
        "Comité sobre el Fortalecimiento de la Cooperación y la Asistencia",
    ),
}

#: English venue -> (French, Spanish).
VENUES = {
    "Palais des Nations": ("Palais des Nations", "Palacio de las Naciones"),
    # The city follows the venue on every page and letter: not in the venue's name.
    "International Conference Centre": (
        "Centre international de conférences",
        "Centro Internacional de Conferencias",
    ),
    # The scale data's short form: the acronym is the same in every language.
    "CICG": ("CICG", "CICG"),
}

CITIES = {"Geneva": ("Genève", "Ginebra")}

#: Ordinals of the Meetings of the States Parties the demo names in full.
_ORDINALS = {
    22: ("Twenty-Second", "Vingt-deuxième", "Vigésima Segunda"),
}

#: Who signs the demo's documents (the demo administrator, as the ISU's director).
SIGNATORY = {
    "name": "Ingrid Keller",
    "title": "Director, Implementation Support Unit",
    "title_fr": "Directrice de l'Unité d'appui à l'application",
    "title_es": "Directora de la Dependencia de Apoyo a la Aplicación",
}


def session_title(english: str) -> dict[str, str]:
    """The `title`, `title_fr`, `title_es` columns of a session named `english`."""
    french, spanish = SESSION_TITLES[english]
    return {"title": english, "title_fr": french, "title_es": spanish}


def place(venue: str, city: str) -> dict[str, str]:
    """The venue and city columns in the three languages."""
    venue_fr, venue_es = VENUES[venue]
    city_fr, city_es = CITIES[city]
    return {
        "venue": venue,
        "venue_fr": venue_fr,
        "venue_es": venue_es,
        "city": city,
        "city_fr": city_fr,
        "city_es": city_es,
    }


def msp_title(number: int) -> dict[str, str]:
    """ "Twenty-Second Meeting of the States Parties" in the three languages."""
    en, fr, es = _ORDINALS[number]
    return {
        "title": f"{en} Meeting of the States Parties",
        "title_fr": f"{fr} Assemblée des États parties",
        "title_es": f"{es} Reunión de los Estados Partes",
    }


def numbered_msp_title(number: int, year: int) -> dict[str, str]:
    """The scale data's "Meeting of the States Parties 7 (2019)" in the three languages."""
    return {
        "title": f"Meeting of the States Parties {number} ({year})",
        "title_fr": f"Assemblée des États parties {number} ({year})",
        "title_es": f"Reunión de los Estados Partes {number} ({year})",
    }


def intersessional_title(year: int) -> dict[str, str]:
    return {
        "title": f"Intersessional Meetings {year}",
        "title_fr": f"Réunions intersessions {year}",
        "title_es": f"Reuniones entre períodos de sesiones {year}",
    }


def review_conference_title(year: int) -> dict[str, str]:
    return {
        "title": f"Review Conference {year}",
        "title_fr": f"Conférence d'examen {year}",
        "title_es": f"Conferencia de Examen {year}",
    }
