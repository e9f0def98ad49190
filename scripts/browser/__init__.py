"""The browser test's parts (scripts/browser-test is its entry point): the
server process, page driving, the PNG reader, and the checks of the served
page, of the figure, of the offline file and of the head view."""
