"""XML bombs and external resources in LHEO files (and in the NSF dictionary, the other XML we read):
each is refused with a French message and nothing is read from disk or network.

The billion laughs and a ``file://`` external entity through ``import_lheo`` are in
tests/catalog/test_lheo_import.py; here: quadratic blowup, parameter entities, external entities
and DTDs by ``file://`` and ``http://``, XInclude, through the reader the command and the upload
page share. Two witnesses that nothing is fetched: a local HTTP server that counts its requests,
and an lxml resolver that records every external resource libxml2 asks for."""

import http.server
import threading

import pytest
from lxml import etree

from tests.hostile import lheo
from tremplin.catalog import formacode
from tremplin.catalog.lheo import reader as reader_module
from tremplin.catalog.lheo.reader import LheoFileError, LheoReader
from tremplin.catalog.models import Nsf
from tremplin.utils.importing import ImportReport


class _Recorder(etree.Resolver):
    def __init__(self, asked: list[str]):
        super().__init__()
        self.asked = asked

    def resolve(self, system_url, public_id, context):
        self.asked.append(system_url)
        return self.resolve_string("", context)  # never the real resource


@pytest.fixture
def resolver_calls(monkeypatch):
    """Every external resource libxml2 asks for while the reader parses."""
    asked: list[str] = []
    real_iterparse = etree.iterparse

    def iterparse(*args, **kwargs):
        context = real_iterparse(*args, **kwargs)
        context.resolvers.add(_Recorder(asked))
        return context

    class Etree:
        def __getattr__(self, name):
            return iterparse if name == "iterparse" else getattr(etree, name)

    monkeypatch.setattr(reader_module, "etree", Etree())
    return asked


@pytest.fixture
def http_hits():
    """A local web server; the list holds the paths it was asked for."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'<!ENTITY leak "FETCHED">')

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    hits_url = f"http://127.0.0.1:{server.server_address[1]}"
    yield hits, hits_url
    server.shutdown()
    server.server_close()


@pytest.fixture
def secret(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text("MOT-DE-PASSE")
    return path


def read_all(path) -> str:
    """What the reader gives: the first error's message, or the records' text."""
    reader = LheoReader(path)
    try:
        reader.check()
        return repr(list(reader.formations()))
    except LheoFileError as exc:
        return f"REFUSED: {exc}"


def quadratic_blowup() -> str:
    big = "A" * 50_000
    return lheo.lheo(
        lheo.formation(title="&a;" * 5_000), prolog=f'<!DOCTYPE lheo [<!ENTITY a "{big}">]>'
    ).replace("&amp;a;", "&a;")


ATTACKS = {
    "quadratic blowup": (quadratic_blowup, "déclare des entités XML (a)"),
    "external entity (file)": (
        lambda secret, url: lheo.lheo(
            lheo.formation(title="&xxe;"), prolog=f'<!DOCTYPE lheo [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        ).replace("&amp;xxe;", "&xxe;"),
        "déclare des entités XML (xxe)",
    ),
    "external entity (http)": (
        lambda secret, url: lheo.lheo(
            lheo.formation(title="&xxe;"), prolog=f'<!DOCTYPE lheo [<!ENTITY xxe SYSTEM "{url}/entity">]>'
        ).replace("&amp;xxe;", "&xxe;"),
        "déclare des entités XML (xxe)",
    ),
    "parameter entity (http)": (
        lambda secret, url: lheo.lheo(
            lheo.formation(), prolog=f'<!DOCTYPE lheo [<!ENTITY % remote SYSTEM "{url}/dtd"> %remote;]>'
        ),
        "déclare des entités XML (remote)",
    ),
    "external DTD (file)": (
        lambda secret, url: lheo.lheo(lheo.formation(), prolog=f'<!DOCTYPE lheo SYSTEM "file://{secret}">'),
        "déclaration de type de document (DOCTYPE)",
    ),
    "external DTD (http)": (
        lambda secret, url: lheo.lheo(lheo.formation(), prolog=f'<!DOCTYPE lheo SYSTEM "{url}/lheo.dtd">'),
        "déclaration de type de document (DOCTYPE)",
    ),
    "public DTD": (
        lambda secret, url: lheo.lheo(
            lheo.formation(), prolog=f'<!DOCTYPE lheo PUBLIC "-//LHEO//FR" "{url}/public.dtd">'
        ),
        "déclaration de type de document (DOCTYPE)",
    ),
    "XInclude (file)": (
        lambda secret, url: lheo.lheo(lheo.formation()).replace(
            "<intitule-formation>Développeur web</intitule-formation>",
            '<intitule-formation xmlns:xi="http://www.w3.org/2001/XInclude">'
            f'<xi:include href="file://{secret}" parse="text"/></intitule-formation>',
        ),
        "utilise XInclude",
    ),
    "XInclude (http, declared on the root)": (
        lambda secret, url: lheo.lheo(lheo.formation())
        .replace(
            f'<lheo xmlns="{lheo.NS}">',
            f'<lheo xmlns="{lheo.NS}" xmlns:xi="http://www.w3.org/2001/XInclude">',
        )
        .replace("<offres>", f'<offres><xi:include href="{url}/offre.xml"/>'),
        "utilise XInclude",
    ),
    "XInclude (2003 namespace)": (
        lambda secret, url: lheo.lheo(lheo.formation()).replace(
            "<offres>", f'<offres xmlns:xi="http://www.w3.org/2003/XInclude"><xi:include href="{url}/x"/>'
        ),
        "utilise XInclude",
    ),
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_attack_is_refused_without_reading_anything(attack, scratch, secret, http_hits, resolver_calls):
    hits, url = http_hits
    build, expected = ATTACKS[attack]
    text = build() if attack == "quadratic blowup" else build(secret, url)
    result = read_all(scratch(text))
    assert result.startswith("REFUSED: offre.xml"), result[:300]
    assert expected in result
    assert "Refusé par sécurité" in result
    assert "MOT-DE-PASSE" not in result and "FETCHED" not in result
    assert hits == []
    assert resolver_calls == []


def test_undeclared_entity_is_a_syntax_error_naming_it(scratch, resolver_calls):
    text = lheo.lheo(lheo.formation(title="&inconnue;")).replace("&amp;inconnue;", "&inconnue;")
    result = read_all(scratch(text))
    assert result.startswith("REFUSED: offre.xml, ligne 5, colonne 37 : ")
    assert "XML mal formé (Entity 'inconnue' not defined" in result
    assert resolver_calls == []


def test_the_upload_page_refuses_an_xinclude(login, regional, net, secret, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from tremplin.catalog.models import Training

    data = ATTACKS["XInclude (file)"][0](secret, "http://127.0.0.1:9")
    response = login(regional).post(
        reverse("catalog:lheo_upload"), {"file": SimpleUploadedFile("offre.xml", data.encode())}
    )
    page = response.content.decode()
    assert "utilise XInclude" in page and "MOT-DE-PASSE" not in page
    assert not Training.objects.exists()


# -- the NSF dictionary (import_formacode) --------------------------------------------------------------


def nsf_dictionary(prolog: str, value: str = "Transports") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<dict><entry><key val="311"/>'
        f'<value val="{value}"/></entry></dict>'
    )


@pytest.mark.parametrize(
    ("prolog", "value"),
    [
        ('<!DOCTYPE dict [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>', "&lol2;"),
        ('<!DOCTYPE dict [<!ENTITY xxe SYSTEM "file://{secret}">]>', "&xxe;"),
        ('<!DOCTYPE dict [<!ENTITY xxe SYSTEM "{url}/e">]>', "&xxe;"),
        ('<!DOCTYPE dict [<!ENTITY % remote SYSTEM "{url}/dtd"> %remote;]>', "Transports"),
    ],
    ids=["entity expansion", "file entity", "http entity", "parameter entity"],
)
def test_nsf_dictionary_with_entities_is_refused(prolog, value, scratch, secret, http_hits):
    hits, url = http_hits
    path = scratch(nsf_dictionary(prolog.format(secret=secret, url=url), value), name="lheo-dict-NSF.xml")
    with pytest.raises(formacode.CodeFileError) as excinfo:
        formacode.import_paths([path], ImportReport())
    message = str(excinfo.value)
    assert message.startswith("lheo-dict-NSF.xml : ")
    # An entity inside an attribute is a syntax error for libxml2 before it is a declaration for us.
    assert (
        "Refusé par sécurité" in message or "XML mal formé (Attribute references external entity" in message
    )
    assert "MOT-DE-PASSE" not in message and "FETCHED" not in message
    assert hits == []
    assert not Nsf.objects.exists()


def test_nsf_dictionary_external_dtd_is_never_fetched(scratch, http_hits):
    """The published dictionary names "gml.dtd": accepted, and the DTD is not loaded from anywhere."""
    hits, url = http_hits
    path = scratch(nsf_dictionary(f'<!DOCTYPE dict SYSTEM "{url}/gml.dtd">'), name="lheo-dict-NSF.xml")
    report = ImportReport()
    formacode.import_paths([path], report)
    assert hits == []
    assert Nsf.objects.get(code="311").label == "Transports"
