// placeholder until the tracker lands (issue 3)
