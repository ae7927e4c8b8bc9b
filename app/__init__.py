"""Frontline: who controls what during a war, over time."""
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
