"""The office-day simulator: scenarios as data, driving the real queue core (``server.domain``).

``talon simulate SCENARIO`` runs it; see ``docs/simulation.md``.
"""
from .engine import Simulator, simulate
from .report import Result, chart, figures, format_report, run
from .scenario import Scenario, ScenarioError, available, load

__all__ = ["Scenario", "ScenarioError", "Simulator", "Result", "available", "chart", "figures",
           "format_report", "load", "run", "simulate"]
