"""The pages: Jinja2 templates rendered with the server's settings in a data- attribute (templating,
pages), with the words of the one table of strings (strings: static/js/shared/strings/, which the browser imports
too).

May import: app.domain, app.platform, app.read, app.usecases and app.api (its dependencies). Never the store.
"""
