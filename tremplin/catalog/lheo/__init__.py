"""LHEO (Langage harmonisé d'échange d'informations sur l'offre de formation): streaming reader,
importer into the catalogue, writer, and a generator of large test files."""

NS_22 = "http://www.lheo.org/2.2"
NS_23 = "http://lheo.gouv.fr/2.3"
VERSIONS = {NS_22: "2.2", NS_23: "2.3"}

# The <extras info="tremplin"> block carries what LHEO has no element for, so that an export
# imported again gives back the same catalogue.
EXTRAS_INFO = "tremplin"
