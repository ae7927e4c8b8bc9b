"""The pages: Jinja2 templates rendered with the server's settings in a data- attribute (templating,
pages) and the editor's strings (editor_text).

May import: app.domain, app.platform, app.read, app.usecases and app.api (its dependencies). Never the store.
"""
