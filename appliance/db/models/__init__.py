"""All tables. Each feature keeps its tables in its own module and is imported here."""

from appliance.db.models.accounts import AuditLog, Job, LoginFailure, User  # noqa: F401
from appliance.db.models.outbox import OutboxEntry  # noqa: F401
from appliance.db.models.registry import Building, Household, Resident, Unit, Vehicle  # noqa: F401
from appliance.db.models.sync import (  # noqa: F401
    CredentialRevocation, DistrictNotice, DistrictSetting, DownlinkLog, PlateWatch, SyncLog, SyncState, SyncUsage)
from appliance.db.models.face import FaceConsent, FaceFalseAccept, FaceTemplate  # noqa: F401
from appliance.db.models.access import AccessEvent, AccessSchedule, Credential, PortalSession, VisitorPass  # noqa: F401
from appliance.db.models.firelane import FireIncident, FireNotice, FireSetting, FireZone  # noqa: F401
from appliance.db.models.workorders import WorkOrder, WorkOrderCategory, WorkOrderCounter, WorkOrderNote  # noqa: F401
from appliance.db.models.care import CareAlert, CareAlertStep, CarePlan, CareRoutine, CareSignal, CareVisit, CommunityService, Grid, GridBuilding, GridTask, MealBooking  # noqa: F401
from appliance.db.models.care import GridPhoto, MealMenu, WasteItem  # noqa: F401
from appliance.db.models.parking import CarEvent, CarParkCount, CarPass, CarQuestion  # noqa: F401
from appliance.db.models.votes import Vote, VoteEntry, VoteMatter, VotePaper, VoteRoll  # noqa: F401
from appliance.db.models.votes import VoteProxy  # noqa: F401
from appliance.db.models.deliberation import (  # noqa: F401
    Consultation, ConsultationComment, ConsultationProposal, ProposalSupport, Suggestion, SuggestionSupport)
from appliance.db.models.system import AcceptanceEntry, SetupStep  # noqa: F401
from appliance.db.models.devices import Device, DeviceHour, LampOverride  # noqa: F401
from appliance.db.models.participation import (  # noqa: F401
    Notice, NoticeRead, Open311Key, Rating, ReportFollowup, ReportPhoto, ReportSubmission, SmsInbound)
from appliance.db.models.votes import VoteObjection  # noqa: F401
