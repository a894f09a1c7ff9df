"""Fault drills under load (`make drills`, python3 -m tools.drills) and the load generator
they share with the soak (`make soak`, python3 -m tools.drills.soak). docs/drills.md."""
