"""Buildings, units, residents and vehicles."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _

from appliance.errors import Conflict, LinliError, ValidationError, ValidationErrors
from appliance.registry.service import FLAGS, PAGE_SIZE
from web.admin import bp
from web.auth import READERS, STAFF, actor, roles, services
from web.params import id_arg, page_arg, text_arg


def _form_errors(exc: LinliError) -> dict:
    if isinstance(exc, ValidationErrors):
        return exc.by_field()
    return {getattr(exc, "field", None) or "form": exc.message()}


def _page_arg() -> int:
    return page_arg()


# --- buildings ---------------------------------------------------------------------------
@bp.get("/buildings")
@roles(*READERS)
def buildings(errors=None, form=None, refusal=None):
    status = 409 if refusal else 400 if errors else 200
    return render_template("admin/buildings.html", buildings=services().registry.buildings(), errors=errors or {},
                           form=form or {}, refusal=refusal), status


@bp.post("/buildings")
@roles(*STAFF)
def building_create():
    try:
        services().registry.save_building(request.form, actor())
    except LinliError as exc:
        return buildings(_form_errors(exc), request.form)
    return redirect(url_for("admin.buildings"))


@bp.route("/buildings/<int:building_id>", methods=["GET", "POST"])
@roles(*STAFF)
def building_edit(building_id):
    building = services().registry.building(building_id)
    errors, form = {}, request.form if request.method == "POST" else {}
    if request.method == "POST":
        try:
            services().registry.save_building(form, actor(), building_id)
            return redirect(url_for("admin.buildings"))
        except LinliError as exc:
            errors = _form_errors(exc)
    values = form or {"name": building.name, "address": building.address, "floors": building.floors or ""}
    return render_template("admin/building_edit.html", building=building, form=values,
                           errors=errors), 400 if errors else 200


@bp.post("/buildings/<int:building_id>/delete")
@roles(*STAFF)
def delete_building(building_id):
    try:
        services().registry.delete_building(building_id, actor())
    except Conflict as exc:  # the building still has units: say so, and show the way to them
        return buildings(refusal={"message": exc.message(), "label": _("Show this building's units"),
                                  "link": url_for("admin.units", building=building_id)})
    return redirect(url_for("admin.buildings"))


# --- units -------------------------------------------------------------------------------
@bp.get("/units")
@roles(*READERS)
def units(errors=None, form=None, refusal=None, building=None):
    building = building or id_arg("building")
    status = 409 if refusal else 400 if errors else 200
    return render_template("admin/units.html", units=services().registry.units(building),
                           buildings=services().registry.buildings(), building=building, errors=errors or {},
                           form=form or {}, refusal=refusal), status


@bp.post("/units")
@roles(*STAFF)
def unit_create():
    try:
        services().registry.save_unit(request.form, actor())
    except LinliError as exc:
        return units(_form_errors(exc), request.form)
    return redirect(url_for("admin.units", building=request.form.get("building_id")))


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
@roles(*STAFF)
def unit_edit(unit_id):
    unit = services().registry.unit(unit_id)
    errors, form = {}, request.form if request.method == "POST" else {}
    if request.method == "POST":
        try:
            services().registry.save_unit(form, actor(), unit_id)
            return redirect(url_for("admin.units", building=unit.building_id))
        except LinliError as exc:
            errors = _form_errors(exc)
    values = form or {"building_id": str(unit.building_id), "number": unit.number,
                      "floor": "" if unit.floor is None else unit.floor,
                      "area_m2": "" if unit.area_m2 is None else unit.area_m2,
                      "surveyed_area_m2": "" if unit.surveyed_area_m2 is None else unit.surveyed_area_m2,
                      "contract_area_m2": "" if unit.contract_area_m2 is None else unit.contract_area_m2}
    return render_template("admin/unit_edit.html", unit=unit, form=values, buildings=services().registry.buildings(),
                           errors=errors), 400 if errors else 200


# --- households --------------------------------------------------------------------------
@bp.get("/households")
@roles(*READERS)
def households():
    building = id_arg("building")
    return render_template("admin/households.html", households=services().registry.households(building),
                           buildings=services().registry.buildings(), building=building)


@bp.route("/households/<int:household_id>", methods=["GET", "POST"])
@roles(*STAFF)
def household_edit(household_id):
    registry = services().registry
    household = registry.household(household_id)
    errors, form = {}, request.form if request.method == "POST" else {}
    if request.method == "POST":
        try:
            registry.save_household(household_id, form, actor())
            return redirect(url_for("admin.households"))
        except LinliError as exc:
            errors = _form_errors(exc)
    values = form or {"name": household.name, "notes": household.notes}
    return render_template("admin/household_edit.html", household=household, form=values,
                           errors=errors), 400 if errors else 200


@bp.post("/units/<int:unit_id>/delete")
@roles(*STAFF)
def delete_unit(unit_id):
    registry = services().registry
    unit = registry.unit(unit_id)
    try:
        registry.delete_unit(unit_id, actor())
    except Conflict as exc:  # people still live there: show them, so they can be moved out
        return units(building=unit.building_id, refusal={
            "message": exc.message(), "label": _("Show the residents of %(unit)s", unit=unit.number),
            "link": url_for("admin.residents", building=unit.building_id, q=unit.number, all=1)})
    return redirect(url_for("admin.units", building=unit.building_id))


# --- residents ---------------------------------------------------------------------------
@bp.get("/residents")
@roles(*READERS)
def residents():
    q = text_arg("q", 50)
    page = _page_arg()
    flag = request.args.get("flag") if request.args.get("flag") in FLAGS else None
    rows, total = services().registry.residents(q, id_arg("building"), page,
                                                include_moved_out=request.args.get("all") == "1", flag=flag)
    template = "admin/_residents_table.html" if request.headers.get("HX-Request") == "true" else "admin/residents.html"
    return render_template(template, residents=rows, total=total, page=page, q=q, pages=-(-total // PAGE_SIZE),
                           flag=flag, buildings=services().registry.buildings())


@bp.route("/residents/new", methods=["GET", "POST"])
@bp.route("/residents/<int:resident_id>", methods=["GET", "POST"])
@roles(*STAFF)
def resident_form(resident_id=None):
    registry = services().registry
    resident = registry.resident(resident_id) if resident_id else None
    errors, form = {}, request.form if request.method == "POST" else {}
    if request.method == "POST":
        try:
            saved = registry.save_resident(form, actor(), resident_id)
            return redirect(url_for("admin.resident_form", resident_id=saved.id, saved=1))
        except LinliError as exc:
            errors = _form_errors(exc)
    values = form or _resident_values(resident)
    building = _int(values.get("building_id"))
    return render_template("admin/resident_form.html", resident=resident, values=values, errors=errors,
                           buildings=registry.buildings(), building=building, units=registry.units(building),
                           saved=request.args.get("saved")), 400 if errors else 200


@bp.get("/residents/unit-options")
@roles(*STAFF)
def unit_options():
    """The resident form's unit list for the building just chosen (htmx)."""
    units = services().registry.units(_int(request.args.get("building_id")))
    return render_template("admin/_unit_options.html", units=units, current="")


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _resident_values(resident) -> dict:
    if resident is None:
        return {}
    keys = ("name", "phone", "role", "move_in", "move_out", "birth_year", "living_alone_elderly", "minor",
            "disability", "notes")
    values = {k: getattr(resident, k) for k in keys}
    values["unit_id"] = resident.household.unit_id
    values["building_id"] = resident.household.unit.building_id
    return {k: ("" if v is None else v) for k, v in values.items()}


@bp.post("/residents/<int:resident_id>/move-out")
@roles(*STAFF)
def resident_move_out(resident_id):
    from appliance.validation import clean_date

    try:
        when = clean_date(request.form.get("date"), "move_out")
    except ValidationError:
        when = None
    services().registry.move_out(resident_id, when, actor())
    return redirect(url_for("admin.resident_form", resident_id=resident_id, saved=1))


@bp.post("/residents/<int:resident_id>/delete")
@roles(*STAFF)
def resident_delete(resident_id):
    services().registry.delete_resident(resident_id, actor())
    return redirect(url_for("admin.residents"))


# --- vehicles ----------------------------------------------------------------------------
@bp.get("/vehicles")
@roles(*READERS)
def vehicles():
    q = text_arg("q", 20)
    return render_template("admin/vehicles.html", vehicles=services().registry.vehicles(q), q=q)


@bp.post("/residents/<int:resident_id>/vehicles")
@roles(*STAFF)
def vehicle_add(resident_id):
    registry = services().registry
    error = None
    try:
        registry.add_vehicle(resident_id, request.form.get("plate", ""), actor())
    except LinliError as exc:
        error = exc.message()
    resident = registry.resident(resident_id)
    if request.headers.get("HX-Request") == "true":
        return render_template("admin/_vehicles.html", resident=resident, vehicle_error=error), 400 if error else 200
    if error:
        values = _resident_values(resident)
        return render_template("admin/resident_form.html", resident=resident, values=values, errors={},
                               buildings=registry.buildings(), building=values["building_id"],
                               units=registry.units(values["building_id"]), vehicle_error=error), 400
    return redirect(url_for("admin.resident_form", resident_id=resident_id))


@bp.post("/vehicles/<int:vehicle_id>/delete")
@roles(*STAFF)
def vehicle_delete(vehicle_id):
    services().registry.delete_vehicle(vehicle_id, actor())
    return redirect(request.referrer if (request.referrer or "").startswith(request.host_url)
                    else url_for("admin.vehicles"))

