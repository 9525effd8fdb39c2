"""The fleet report: many JSON reports (one per repository) aggregated into one view of an organisation.

``reading`` turns report files, folders and streams into compact :class:`~.reading.Entry` records (a report is
untrusted input: checked field by field, never trusted to be well formed), ``aggregate`` builds the fleet
document (schema: docs/schema/fleet-v1.schema.json), ``markdown`` and ``html`` render it, ``audit`` audits local
checkouts in parallel, and ``command`` is the ``mlops-audit fleet`` command. Nothing here is imported by an
ordinary audit."""

FLEET_SCHEMA_VERSION = 1
KIND = "mlops-audit-fleet"
