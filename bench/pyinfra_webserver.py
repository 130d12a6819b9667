# The pyinfra equivalent of playbooks/webserver.yml (same packages, files, user, cron file, services
# and page check), for bench/webserver.
from io import StringIO

from pyinfra import host
from pyinfra.operations import apt, files, server

web_port = 8080
web_root = "/srv/www"
web_user = "webops"
address = host.name  # the bench inventory names hosts by their address

apt.packages(name="Install nginx and cron", packages=["nginx", "cron"], update=True, cache_time=3600)
default_site = files.file(name="Remove the default site", path="/etc/nginx/sites-enabled/default",
                          present=False)
server.user(name="The site's owner", user=web_user, system=True, shell="/usr/sbin/nologin",
            home=web_root, create_home=False, ensure_home=False)
files.directory(name="The document root", path=web_root, user=web_user, group=web_user, mode="755")
facts = {"distribution": "Debian", "distribution_version": "12", "architecture": "x86_64"}
files.template(name="The home page", src="playbooks/templates/index.html.j2",
               dest=f"{web_root}/index.html", user=web_user, group=web_user, mode="644",
               inventory_hostname=address, web_greeting="Hello from drover", ansible_facts=facts)
site = files.template(name="The site config", src="playbooks/templates/site.conf.j2",
                      dest="/etc/nginx/sites-available/drover.conf", mode="644",
                      ansible_host=address, inventory_hostname=address, web_port=web_port,
                      web_root=web_root)
link = files.link(name="Enable the site", path="/etc/nginx/sites-enabled/drover.conf",
                  target="/etc/nginx/sites-available/drover.conf")
block = files.block(name="Managed block in nginx.conf", path="/etc/nginx/nginx.conf",
                    content="    server_tokens off;\n    client_max_body_size 1m;",
                    line=r"^http \{", after=True, marker="    # {mark} drover: web-server example")
files.put(name="Clean old logs every night",
          src=StringIO("#Ansible: clean old nginx logs\n"
                       "@daily root find /var/log/nginx -name '*.gz' -mtime +14 -delete\n"),
          dest="/etc/cron.d/drover-web", mode="644")
server.service(name="cron runs and starts at boot", service="cron", running=True, enabled=True)
server.service(name="nginx runs and starts at boot", service="nginx", running=True, enabled=True)
server.service(name="Restart nginx", service="nginx", restarted=True,
               _if=[default_site.did_change, site.did_change, link.did_change, block.did_change])
server.shell(name="The page answers", commands=[f"curl -sf http://{address}:{web_port}/ | grep -q 'Hello from drover'"])
