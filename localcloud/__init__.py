"""The local cloud: runs the SAM application from template.yaml on one machine without Docker or AWS."""
