"""Input schemas: pydantic models (the single source of truth), value parsers, header mapping."""
