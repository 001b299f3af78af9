"""What Google offers each configured credential, checked against the routes: `genproxy doctor`."""
from proxy.discovery.doctor import Doctor, failing, render_table
from proxy.discovery.findings import DoctorReport

__all__ = ["Doctor", "DoctorReport", "failing", "render_table"]
