# Reporting cycles, progress updates and reviews arrive with the reporting issue.
