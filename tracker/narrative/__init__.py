"""The secretariat's narrative of a reporting cycle for SEOM, and the cycle's document control."""
