"""A generator of large, valid LHEO 2.3 files with realistic content, for the benchmark
(``bench/lheo_import.py``) and for tests at a small size. Deterministic for a given seed."""

import datetime
import random
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from tremplin.catalog.lheo import NS_23

TITLES = [
    (
        "Licence professionnelle Métiers de l'informatique : administration et sécurité des systèmes",
        "M1801",
        "RNCP30119",
    ),
    ("Titre professionnel Comptable assistant", "M1203", "RNCP35516"),
    ("DEUST Technicien des métiers de l'informatique", "M1810", ""),
    ("Certificat de compétence Management de projet", "M1402", ""),
    ("Titre RNCP Responsable en gestion des ressources humaines", "M1503", "RNCP34099"),
    ("Licence professionnelle Logistique et transports", "N1301", "RNCP30102"),
    ("Diplôme d'établissement Assistant de vie aux familles", "K1302", ""),
    ("Titre professionnel Technicien d'assistance en informatique", "I1401", "RNCP34691"),
]
OBJECTIVES = (
    "Acquérir les compétences professionnelles nécessaires pour exercer le métier visé : analyser une "
    "situation de travail, organiser son activité, utiliser les outils numériques du secteur et rendre "
    "compte de son action. La formation alterne apports théoriques, études de cas et projet tutoré. "
)
CONTENT = (
    "Unités d'enseignement : fondamentaux du métier ; communication professionnelle ; outils "
    "numériques ; droit et réglementation ; projet professionnel ; expérience professionnelle. "
)


@dataclass(frozen=True)
class GeneratedPlace:
    insee_code: str
    postal_code: str
    city: str


def _sub(parent, name, text=None):
    element = etree.SubElement(parent, f"{{{NS_23}}}{name}")
    if text is not None:
        element.text = text
    return element


def _address(parent, place: GeneratedPlace, line: str, with_insee: bool):
    address = _sub(parent, "adresse")
    _sub(address, "ligne", line)
    _sub(address, "codepostal", place.postal_code)
    _sub(address, "ville", place.city)
    if with_insee:
        _sub(address, "code-INSEE-commune", place.insee_code)
    return address


def write_lheo_file(
    path: Path,
    *,
    sessions: int,
    places: list[GeneratedPlace],
    sessions_per_action: int = 5,
    actions_per_formation: int = 2,
    providers: int = 20,
    cnam_share: float = 0.5,
    seed: int = 1,
    start: datetime.date = datetime.date(2026, 9, 1),
) -> dict:
    """Write a file of about ``sessions`` sessions; return what was written (counts)."""
    rng = random.Random(seed)
    per_formation = sessions_per_action * actions_per_formation
    formations = max(1, sessions // per_formation)
    sirets = [
        f"{19753471200000 + n:014d}" if n < providers * cnam_share else f"{40000000000000 + n:014d}"
        for n in range(providers)
    ]
    written = {"formations": 0, "actions": 0, "sessions": 0}
    with etree.xmlfile(str(path), encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(f"{{{NS_23}}}lheo", nsmap={None: NS_23}):
            with xf.element(f"{{{NS_23}}}offres"):
                for f in range(formations):
                    title, rome, rncp = TITLES[f % len(TITLES)]
                    provider = f % providers
                    is_cnam = provider < providers * cnam_share
                    formation = etree.Element(f"{{{NS_23}}}formation", nsmap={None: NS_23})
                    formation.set("numero", f"F{f:07d}")
                    domain = _sub(formation, "domaine-formation")
                    _sub(domain, "code-FORMACODE", f"{31000 + f % 900:05d}")
                    _sub(domain, "code-NSF", "326")
                    _sub(domain, "code-ROME", rome)
                    _sub(formation, "intitule-formation", f"{title} ({f})")
                    _sub(formation, "objectif-formation", OBJECTIVES * 2)
                    _sub(
                        formation,
                        "resultats-attendus",
                        "Obtenir la certification visée et s'insérer dans l'emploi.",
                    )
                    _sub(formation, "contenu-formation", CONTENT * 3)
                    _sub(formation, "certifiante", "1" if rncp else "0")
                    coordinates = _sub(_sub(formation, "contact-formation"), "coordonnees")
                    _sub(coordinates, "nom", "Accueil formation")
                    _sub(_sub(coordinates, "telfixe"), "numtel", "01 40 27 20 00")
                    _sub(coordinates, "courriel", "accueil@example.org")
                    _sub(formation, "parcours-de-formation", "1")
                    _sub(formation, "code-niveau-entree", rng.choice(["0", "5", "14", "15"]))
                    if rncp:
                        _sub(_sub(formation, "certification"), "code-RNCP", rncp)
                        _sub(formation, "code-niveau-sortie", "16")
                    for a in range(actions_per_formation):
                        place = places[(f * actions_per_formation + a) % len(places)]
                        action = _sub(formation, "action")
                        action.set("numero", f"A{f:07d}-{a}")
                        _sub(
                            action,
                            "rythme-formation",
                            rng.choice(["Cours du soir et samedi", "Temps plein", "Cours du soir"]),
                        )
                        _sub(action, "code-public-vise", "80024")
                        _sub(action, "code-public-vise", "80011")
                        _sub(action, "niveau-entree-obligatoire", "0")
                        _sub(action, "modalites-alternance", "Sans objet")
                        _sub(action, "modalites-enseignement", rng.choice(["0", "0", "1", "2"]))
                        _sub(
                            action,
                            "conditions-specifiques",
                            "Être titulaire du baccalauréat ou VAPP à partir de 20 ans.",
                        )
                        _sub(action, "prise-en-charge-frais-possible", "1")
                        place_element = _sub(_sub(action, "lieu-de-formation"), "coordonnees")
                        _address(
                            place_element, place, f"{1 + f % 90} rue de la Formation", with_insee=a % 2 == 0
                        )
                        _sub(action, "modalites-entrees-sorties", "0")
                        for s in range(sessions_per_action):
                            session = _sub(action, "session")
                            session.set("numero", f"S{f:07d}-{a}-{s}")
                            begin = start + datetime.timedelta(days=30 * s + f % 60)
                            period = _sub(session, "periode")
                            _sub(period, "debut", begin.strftime("%Y%m%d"))
                            _sub(period, "fin", (begin + datetime.timedelta(days=270)).strftime("%Y%m%d"))
                            _address(
                                _sub(session, "adresse-inscription"),
                                place,
                                "Service des inscriptions",
                                with_insee=False,
                            )
                            _sub(session, "etat-recrutement", rng.choice(["1", "1", "1", "2", "3"]))
                            written["sessions"] += 1
                        _sub(action, "prix-total-TTC", f"{1500 + 10 * (f % 300)}.00")
                        _sub(action, "nombre-heures-total", str(400 + f % 200))
                        _sub(_sub(action, "organisme-financeur"), "code-financeur", "2")
                        written["actions"] += 1
                    responsible = _sub(formation, "organisme-formation-responsable")
                    _sub(responsible, "numero-activite", "11755555555")
                    _sub(_sub(responsible, "SIRET-organisme-formation"), "SIRET", sirets[provider])
                    name = (
                        f"Cnam centre régional {provider}"
                        if is_cnam
                        else f"Organisme de formation {provider}"
                    )
                    _sub(responsible, "nom-organisme", name)
                    _sub(responsible, "raison-sociale", name.upper())
                    _address(
                        _sub(_sub(responsible, "coordonnees-organisme"), "coordonnees"),
                        places[provider % len(places)],
                        "2 rue Conté",
                        with_insee=False,
                    )
                    _sub(_sub(responsible, "contact-organisme"), "coordonnees")
                    xf.write(formation, pretty_print=True)
                    written["formations"] += 1
    return written
