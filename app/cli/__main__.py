"""`python -m app.cli`: the same as the `frontline` command."""
from app.cli import main

raise SystemExit(main())
