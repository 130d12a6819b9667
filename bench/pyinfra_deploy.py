# The pyinfra equivalent of playbooks/site.yml (same files, same checks), for bench/run.
from io import StringIO

from pyinfra import host
from pyinfra.operations import files, server

root = "/srv/bench"
app_name = "drover-demo"

for sub in ("etc", "releases", "logs"):
    files.directory(name=f"Create {sub}", path=f"{root}/{sub}", mode="755")

files.put(name="Write the release marker", src=StringIO(f"{app_name} deployed by drover\n"),
          dest=f"{root}/releases/CURRENT", mode="644")
files.put(name="Ship the static banner", src="playbooks/files/banner.txt",
          dest=f"{root}/etc/banner.txt", mode="644")
files.template(name="Render the application config", src="bench/app.conf.j2",
               dest=f"{root}/etc/app.conf", mode="640", app_name=app_name, app_port=8080,
               app_users=["alice", "bob"], inventory_hostname=host.name)
for user in ("alice", "bob"):
    files.line(name=f"Allow {user}", path=f"{root}/etc/users", line=f"user={user}")
files.line(name="Set the port", path=f"{root}/etc/environment", line="APP_PORT=8080",
           replace="APP_PORT=8080")
server.shell(name="Initialise the data store once",
             commands=[f"test -e {root}/logs/init.done || echo initialised > {root}/logs/init.done"])
