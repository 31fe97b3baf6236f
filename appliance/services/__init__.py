"""Cross-cutting infrastructure (accounts, audit, health, jobs) and :class:`Services`, the typed
set of services the web app and the CLI may call, built once by :mod:`appliance.runtime`.
Views and the CLI call exactly one service method per action."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from peewee import Database

    from appliance.access.credentials import CredentialService
    from appliance.access.portal import ResidentPortal
    from appliance.access.service import AccessService
    from appliance.config import Config
    from appliance.face.setup import FaceFeature
    from appliance.firelane.lane import FireLane
    from appliance.hub.service import HubService
    from appliance.parking.setup import ParkingFeature
    from appliance.practice.rooms import PracticeRooms
    from appliance.registry.service import RegistryService
    from appliance.registry.spreadsheet import ResidentsIO
    from appliance.registry.tasks import RegistryTasks
    from appliance.services.accounts import AccountService
    from appliance.services.audit import AuditService
    from appliance.services.health import HealthService
    from appliance.services.jobs import JobService
    from appliance.sync.service import SyncService
    from appliance.workorders.service import WorkOrderService
    from appliance.care.service import CareService
    from appliance.votes.setup import VotesFeature
    from appliance.system.setup import SystemFeature
    from appliance.devices.service import DevicesService
    from appliance.participation.setup import ParticipationFeature


@dataclass(frozen=True)
class Services:
    """What the web and the CLI may call. Built in one go from the features' setups."""

    config: Config
    db: Database
    box_id: str
    secret_key: str
    audit: AuditService
    accounts: AccountService
    health: HealthService
    jobs: JobService
    huey: Any
    registry: RegistryService
    residents_io: ResidentsIO
    tasks: RegistryTasks
    access: AccessService
    credentials: CredentialService
    portal: ResidentPortal
    face: FaceFeature  # built always; its pages check face.enabled
    firelane: FireLane
    sync: SyncService
    hub: HubService | None  # on a district hub only
    workorders: WorkOrderService
    care: CareService
    parking: ParkingFeature  # built always; the barrier only with [parking] enabled
    practice: PracticeRooms  # staff members' throw-away practice runtimes
    votes: VotesFeature  # .service, .roll, .ledger, .ballots
    devices: DevicesService
    participation: ParticipationFeature
    system: SystemFeature | None = None  # backups, updates, first-boot wizard, acceptance table

    @classmethod
    def from_context(cls, ctx) -> "Services":
        """The typed set, gathered from the features ``appliance.runtime`` has just set up."""
        from appliance.access.setup import AccessFeature
        from appliance.care.setup import CareFeature
        from appliance.devices.setup import DevicesFeature
        from appliance.face.setup import FaceFeature
        from appliance.firelane.setup import FireLaneFeature
        from appliance.hub.setup import HubFeature
        from appliance.parking.setup import ParkingFeature
        from appliance.participation.setup import ParticipationFeature
        from appliance.practice.setup import PracticeFeature
        from appliance.registry.setup import RegistryFeature
        from appliance.services.accounts import AccountService
        from appliance.sync.setup import SyncFeature
        from appliance.system.setup import SystemFeature
        from appliance.votes.setup import VotesFeature
        from appliance.workorders.setup import WorkOrdersFeature

        reg, acc, cfg = ctx.need(RegistryFeature), ctx.need(AccessFeature), ctx.config
        return cls(
            config=cfg, db=ctx.db, box_id=ctx.box_id, secret_key=ctx.secret_key, audit=ctx.audit,
            accounts=AccountService(ctx.audit, cfg.web.login_max_failures, cfg.web.login_lockout_s),
            health=ctx.health, jobs=ctx.jobs, huey=ctx.huey,
            registry=reg.service, residents_io=reg.spreadsheet, tasks=reg.tasks,
            access=acc.service, credentials=acc.credentials, portal=acc.portal,
            face=ctx.need(FaceFeature), firelane=ctx.need(FireLaneFeature).lane,
            sync=ctx.need(SyncFeature).service, hub=ctx.need(HubFeature).service,
            workorders=ctx.need(WorkOrdersFeature).service, care=ctx.need(CareFeature).service,
            parking=ctx.need(ParkingFeature), practice=ctx.need(PracticeFeature).rooms,
            votes=ctx.need(VotesFeature), devices=ctx.need(DevicesFeature).service,
            participation=ctx.need(ParticipationFeature), system=ctx.need(SystemFeature),
        )
