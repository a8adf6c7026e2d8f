"""The line chat and the commands of `unstuck`: one front end over the drive loop."""
