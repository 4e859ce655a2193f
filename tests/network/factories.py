from tests.factories import CommuneFactory, DepartmentFactory, RegionFactory


def commune(
    insee_code: str, name: str, department: str, region: str = "76", population: int = 20_000, **extra
):
    """A commune with its real code and name, in a département and région created on demand."""
    region_obj = RegionFactory(code=region)
    department_obj = DepartmentFactory(code=department, name=f"Département {department}", region=region_obj)
    return CommuneFactory(
        insee_code=insee_code,
        name=name,
        search_name=name.lower(),
        department=department_obj,
        population=population,
        **extra,
    )
