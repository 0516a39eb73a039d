"""KPI definitions (catalogue), periods and the computation engines."""
