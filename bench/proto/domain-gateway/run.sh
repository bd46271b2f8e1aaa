#!/usr/bin/env bash
# Prototype of the domain-allowlist gateway (issue #12; docs/domain-allowlist.md), end to end:
# builds a topology from OUR OWN networks and containers only (labelled proto-domain=1), runs the
# attacks from inside a runsc sandbox, checks host-side that no denied target / victim / this
# machine's listener / upstream resolver saw anything it should not, runs the live checks and a
# short benchmark, and removes everything (also on failure). No traffic leaves this machine: the
# only resolver the gateway asks is upstream.mjs, and the guards' filters allow only the gateway.
#   bash bench/proto/domain-gateway/run.sh            # attacks + live checks
#   BENCH=1 bash bench/proto/domain-gateway/run.sh    # + benchmark (open vs gateway)
#   NGINX_IMAGE=img bash …/run.sh                     # + nginx ssl_preread comparison (an image
#       with nginx and libnginx-mod-stream, e.g. mmdebstrap --include=nginx-light,libnginx-mod-stream)
#   HAPROXY_IMAGE=img bash …/run.sh                   # + HAProxy comparison (mmdebstrap --include=haproxy)
set -uo pipefail
PROTO=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$PROTO/../../.." && pwd)
L=proto-domain=1; P=pdom
PUB=198.51.100.224/27; PUBGW=198.51.100.225; PUB6=2001:db8:7a7::/64; PUBGW6=2001:db8:7a7::1; PRIV=10.213.77.0/24
UP=198.51.100.230; ALLOWED=198.51.100.234; DENIED=198.51.100.235; GWIP=198.51.100.226; GUARD=198.51.100.228; GUARD_OPEN=198.51.100.229
NGIP=198.51.100.227; GUARD_NG=198.51.100.231
ALLOWED6=2001:db8:7a7::234; DENIED6=2001:db8:7a7::235; GWIP6=2001:db8:7a7::226; GUARD6=2001:db8:7a7::228
VICTIM=10.213.77.10
BASE=${BASE_IMAGE:-sandboxes-test/base:bookworm-2}; GIMG=${GUARD_IMAGE:-sandboxes/guard:1}
NODE="-v $(command -v node):/usr/bin/node:ro"
W=$(mktemp -d); HOSTPID=
ZONE=$(cat <<J
{"allowed.test":{"A":["$ALLOWED"],"AAAA":["$ALLOWED6"]},"denied.test":{"A":["$DENIED"],"AAAA":["$DENIED6"]},"wild.test":{"A":["$ALLOWED"]},"a.wild.test":{"A":["$ALLOWED"]},"b.a.wild.test":{"A":["$ALLOWED"]},"x.wild.test":{"A":["$ALLOWED"]},
"rebind.test":{"A":["$VICTIM"]},"host.test":{"A":["$PUBGW"]},"late.test":{"A":["$ALLOWED"]},"mixed.test":{"A":["$VICTIM","$ALLOWED"]},
"meta.rb.test":{"A":["169.254.169.254"]},"cgnat.rb.test":{"A":["100.64.0.1"]},"loop.rb.test":{"A":["127.0.0.1"]},"zero.rb.test":{"A":["0.0.0.0"]},"ula.rb.test":{"AAAA":["fd00::1"]},"mapped.rb.test":{"AAAA":["::ffff:a00:1"]},"ll6.rb.test":{"AAAA":["fe80::1"]},"nat64.rb.test":{"AAAA":["64:ff9b::a00:1"]},"host.rb.test":{"A":["$PUBGW"]},"priv.rb.test":{"A":["10.1.2.3"]},"pub.rb.test":{"A":["$ALLOWED"]}}
J
)
LIST='["allowed.test","*.wild.test","rebind.test","host.test","mixed.test","*.rb.test"]'

cleanup() {
  [ -n "$HOSTPID" ] && kill "$HOSTPID" 2>/dev/null
  ids=$(docker ps -aq --filter label=$L); [ -n "$ids" ] && docker rm -f $ids >/dev/null
  nets=$(docker network ls -q --filter label=$L); [ -n "$nets" ] && docker network rm $nets >/dev/null
  rm -rf "$W"
}
trap cleanup EXIT
fail=0
say() { printf '\n== %s\n' "$*"; }

say "build: certificates, gateway bundle"
( cd "$W" && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 1 -subj /CN=proto-ca 2>/dev/null &&
  openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj /CN=allowed.test 2>/dev/null &&
  printf 'subjectAltName=DNS:allowed.test,DNS:denied.test,DNS:*.wild.test,DNS:wild.test,DNS:rebind.test,DNS:host.test,DNS:late.test\n' > ext &&
  openssl x509 -req -in leaf.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out leaf.crt -days 1 -extfile ext 2>/dev/null &&
  mkdir certs && cp ca.crt leaf.crt leaf.key certs/ && chmod 644 certs/* ) || exit 1
"$REPO/node_modules/.bin/esbuild" "$PROTO/gateway.ts" --bundle --platform=node --target=node18 --outfile="$W/gateway.js" --log-level=warning || exit 1

say "topology (own networks and containers only)"
docker network create --label $L --subnet $PUB --gateway $PUBGW --ipv6 --subnet $PUB6 --gateway $PUBGW6 ${P}-pub >/dev/null || exit 1
docker network create --label $L --subnet $PRIV ${P}-priv >/dev/null || exit 1
docker run -d --label $L --name ${P}-up --network ${P}-pub --ip $UP $NODE -v "$PROTO":/p:ro -e ZONE="$ZONE" $BASE node /p/upstream.mjs >/dev/null
for who in allowed denied; do
  ip=$ALLOWED; ip6=$ALLOWED6; [ $who = denied ] && { ip=$DENIED; ip6=$DENIED6; }
  docker run -d --label $L --name ${P}-$who --network ${P}-pub --ip $ip --ip6 $ip6 $NODE -v "$PROTO":/p:ro -v "$W/certs":/certs:ro -e WHO=$who $BASE node /p/target.mjs >/dev/null
done
docker run -d --label $L --name ${P}-victim --network ${P}-priv --ip $VICTIM $NODE -v "$PROTO":/p:ro -v "$W/certs":/certs:ro -e WHO=victim $BASE node /p/target.mjs >/dev/null
docker create --label $L --name ${P}-gw --network ${P}-pub --ip $GWIP --ip6 $GWIP6 $NODE -v "$W/gateway.js":/gateway.js:ro \
  --read-only --tmpfs /run/gateway:rw,size=1m --cap-drop ALL --cap-add NET_BIND_SERVICE --security-opt no-new-privileges \
  --memory 128m --pids-limit 64 $BASE node /gateway.js >/dev/null
docker network connect ${P}-priv ${P}-gw   # a bug WOULD reach the victim: its refusals are the gateway's doing
docker start ${P}-gw >/dev/null
guard() { docker run -d --label $L --name ${P}-$1 --network ${P}-pub --ip $2 ${3:-} --cap-drop ALL --cap-add NET_ADMIN --read-only --tmpfs /run:size=1m \
  --entrypoint /bin/sh $GIMG -c 'trap "exit 0" TERM; while :; do sleep 3600 & wait $!; done' >/dev/null; }
guard guard $GUARD "--ip6 $GUARD6"; guard guardopen $GUARD_OPEN
node -e 'require("net").createServer(s=>{console.log("HOST-CONNECT",s.remoteAddress);s.destroy()}).listen(443,process.argv[1]);setTimeout(()=>process.exit(0),1800e3)' $PUBGW > "$W/host.log" 2>&1 &
HOSTPID=$!

# Domain-mode rules in a guard's netns: filter allows only the gateway; our own nat chain sends
# DNS, 80, 443 (and 8443, to show a port not listed for a name) to it. Docker's nat chains untouched.
rules() { local g=$1 gw=$2 gw6=${3:-}
  docker exec -i ${P}-$g sh -s <<SH
set -e
cat <<R | iptables-restore
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT DROP [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A OUTPUT -o lo -j ACCEPT
-A OUTPUT -d $gw -p udp --dport 53 -j ACCEPT
-A OUTPUT -d $gw -p tcp -m multiport --dports 53,80,443,8443 -j ACCEPT
-A OUTPUT -p tcp -j REJECT --reject-with tcp-reset
-A OUTPUT -j REJECT --reject-with icmp-port-unreachable
COMMIT
R
cat <<R | ip6tables-restore
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT DROP [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type neighbour-solicitation -m hl --hl-eq 255 -j ACCEPT
-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type neighbour-advertisement -m hl --hl-eq 255 -j ACCEPT
-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A OUTPUT -o lo -j ACCEPT
-A OUTPUT -p ipv6-icmp -m icmp6 --icmpv6-type neighbour-solicitation -m hl --hl-eq 255 -j ACCEPT
-A OUTPUT -p ipv6-icmp -m icmp6 --icmpv6-type neighbour-advertisement -m hl --hl-eq 255 -j ACCEPT
${gw6:+-A OUTPUT -d $gw6 -p udp --dport 53 -j ACCEPT}
${gw6:+-A OUTPUT -d $gw6 -p tcp -m multiport --dports 53,80,443 -j ACCEPT}
-A OUTPUT -p tcp -j REJECT --reject-with tcp-reset
-A OUTPUT -j REJECT --reject-with icmp6-port-unreachable
COMMIT
R
for t in iptables ip6tables; do
  \$t -t nat -N SANDBOXES_GW 2>/dev/null || true
  \$t -t nat -C OUTPUT -j SANDBOXES_GW 2>/dev/null || \$t -t nat -A OUTPUT -j SANDBOXES_GW
done
cat <<R | iptables-restore --noflush
*nat
:SANDBOXES_GW - [0:0]
-A SANDBOXES_GW -o lo -j RETURN
-A SANDBOXES_GW -p udp --dport 53 -j DNAT --to-destination $gw:53
-A SANDBOXES_GW -p tcp --dport 53 -j DNAT --to-destination $gw:53
-A SANDBOXES_GW -p tcp --dport 80 -j DNAT --to-destination $gw:80
-A SANDBOXES_GW -p tcp --dport 443 -j DNAT --to-destination $gw:443
-A SANDBOXES_GW -p tcp --dport 8443 -j DNAT --to-destination $gw:8443
COMMIT
R
if [ -n "$gw6" ]; then cat <<R | ip6tables-restore --noflush
*nat
:SANDBOXES_GW - [0:0]
-A SANDBOXES_GW -o lo -j RETURN
-A SANDBOXES_GW -p udp --dport 53 -j DNAT --to-destination [$gw6]:53
-A SANDBOXES_GW -p tcp --dport 80 -j DNAT --to-destination [$gw6]:80
-A SANDBOXES_GW -p tcp --dport 443 -j DNAT --to-destination [$gw6]:443
COMMIT
R
fi
SH
}
# Open-mode baseline for the benchmark: only our test network, DNS to our own resolver.
docker exec -i ${P}-guardopen sh -s <<SH
set -e
printf '*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n-A OUTPUT -o lo -j ACCEPT\n-A OUTPUT -d $PUB -j ACCEPT\n-A OUTPUT -j REJECT\nCOMMIT\n' | iptables-restore
printf '*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n' | ip6tables-restore
iptables -t nat -N BENCH_DNS; iptables -t nat -A OUTPUT -j BENCH_DNS
iptables -t nat -A BENCH_DNS -o lo -j RETURN; iptables -t nat -A BENCH_DNS -p udp --dport 53 -j DNAT --to-destination $UP:53
SH
rules guard $GWIP $GWIP6 || exit 1

policy() { # $1: domains (JSON array). Writes the policy, SIGHUP, waits until the gateway says applied.
  local tag=t$(date +%s%N)
  local pol="{\"tag\":\"$tag\",\"domains\":$1,\"cidrs\":[],\"deny\":[\"$PUBGW\",\"$PUBGW6\",\"$GUARD\",\"$GUARD_OPEN\",\"$GUARD_NG\"],\"upstream\":[\"$UP\"],\"ipv6\":true}"
  docker exec -e POL="$pol" -e TAG=$tag ${P}-gw sh -c 'printf "%s" "$POL" > /run/gateway/policy.json.new && mv /run/gateway/policy.json.new /run/gateway/policy.json && kill -HUP 1 && i=0; while [ "$(cat /run/gateway/policy.json.applied 2>/dev/null)" != "$TAG" ]; do i=$((i+1)); [ $i -gt 400 ] && exit 3; sleep 0.005; done'
}
policy "$LIST" || { echo "FAIL policy not applied"; exit 1; }
sandbox() { local g=$1; shift
  docker run --rm -i --label $L --runtime runsc --network container:${P}-$g -v "$W/certs":/certs:ro -v "$PROTO":/p:ro \
    -e NODNS="${NODNS:-}" -e N="${N:-200}" -e ALLOWED=$ALLOWED -e DENIED=$DENIED -e UP=$UP -e VICTIM=$VICTIM -e ALLOWED6=$ALLOWED6 -e DENIED6=$DENIED6 $BASE "$@"; }

say "attacks from inside a runsc sandbox (root)"
sandbox guard python3 /p/attacks.py | tee "$W/attacks.log"
grep -q '^FAIL' "$W/attacks.log" && fail=1
[ "$(grep -c '^ok' "$W/attacks.log")" -ge 40 ] || { echo "FAIL: fewer checks ran than expected"; fail=1; }

say "host side: who saw what"
for c in denied victim; do n=$(docker logs ${P}-$c 2>&1 | grep -c -E 'CONNECT|DATAGRAM'); echo "$c target: $n connections/datagrams"; [ "$n" = 0 ] || fail=1; done
n=$(grep -c HOST-CONNECT "$W/host.log"); echo "this machine's listener on $PUBGW:443: $n connections"; [ "$n" = 0 ] || fail=1
d=$(docker logs ${P}-allowed 2>&1 | grep -c DATAGRAM); echo "allowed target: $d UDP datagrams (QUIC)"; [ "$d" = 0 ] || fail=1
asked=$(docker logs ${P}-up 2>&1 | awk '/^QUERY/{print $2}' | sort -u | tr '\n' ' '); echo "upstream resolver was asked: $asked"
for name in $asked; do case $name in allowed.test|a.wild.test|b.a.wild.test|rebind.test|host.test|mixed.test) ;; *) echo "FAIL: upstream saw $name"; fail=1;; esac; done
docker logs ${P}-up 2>&1 | awk '/^QUERY/ && $3 != 1 && $3 != 28' | grep . && { echo "FAIL: upstream saw a type other than A/AAAA"; fail=1; }
echo "gateway refusals by reason:"; docker logs ${P}-gw 2>/dev/null | grep '"refused"' | sed -E 's/.*"protocol":"([a-z]+)".*"reason":"([^"]*)".*/  \1: \2/' | sort | uniq -c

say "DNS answers for names resolving to non-public addresses (no connection is made to them)"
python3 - "$GWIP" <<'PY'
import socket, struct, sys
def q(server, name, qtype):
    pkt = struct.pack('>HHHHHH', 7, 0x0100, 1, 0, 0, 0) + b''.join(bytes([len(l)]) + l.encode() for l in name.split('.')) + b'\0' + struct.pack('>HH', qtype, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3); s.sendto(pkt, (server, 53)); r = s.recv(4096)
    return r[3] & 15, struct.unpack('>H', r[6:8])[0]
bad = 0
for name, t in [('meta.rb.test', 1), ('cgnat.rb.test', 1), ('loop.rb.test', 1), ('zero.rb.test', 1), ('priv.rb.test', 1), ('host.rb.test', 1), ('ula.rb.test', 28), ('mapped.rb.test', 28), ('ll6.rb.test', 28), ('nat64.rb.test', 28)]:
    rc, an = q(sys.argv[1], name, t); ok = rc == 0 and an == 0; bad += not ok
    print(('ok   ' if ok else 'FAIL ') + '%s type %d -> rcode %d, %d answers' % (name, t, rc, an))
rc, an = q(sys.argv[1], 'pub.rb.test', 1); print(('ok   ' if an == 1 else 'FAIL ') + 'pub.rb.test (public) -> %d answer' % an); bad += an != 1
sys.exit(1 if bad else 0)
PY
[ $? = 0 ] || fail=1

say "live changes"
names='["allowed.test","*.wild.test","rebind.test","host.test","mixed.test"'; for i in $(seq 1 45); do names="$names,\"n$i.example.test\""; done; names="$names]"
printf 'apply a 50-name list, ms: '; for i in $(seq 1 15); do s=$(date +%s%N); policy "$names"; echo $(( ($(date +%s%N)-s)/1000000 )); done | sort -n | tr '\n' ' '; echo
docker run -d --label $L --name ${P}-sb --runtime runsc --network container:${P}-guard -v "$W/certs":/certs:ro $BASE sleep 600 >/dev/null
probe='import ssl,socket,sys
c=ssl.create_default_context(cafile="/certs/ca.crt")
try:
  t=c.wrap_socket(socket.create_connection((sys.argv[1],443),timeout=3),server_hostname=sys.argv[1]); t.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); print(t.recv(200).split(b"\r\n\r\n")[-1].decode().strip())
except Exception as e: print("ERR",type(e).__name__)'
r=$(docker exec ${P}-sb python3 -c "$probe" late.test); echo "late.test before it is listed: $r"; case $r in ERR*) ;; *) fail=1;; esac
s=$(date +%s%N); policy '["allowed.test","late.test"]'
r=$(docker exec ${P}-sb python3 -c "$probe" late.test); echo "late.test after: $r ($(( ($(date +%s%N)-s)/1000000 )) ms after the apply began)"; case $r in allowed*) ;; *) fail=1;; esac
docker exec -d ${P}-sb python3 -c '
import ssl,socket
c=ssl.create_default_context(cafile="/certs/ca.crt")
t=c.wrap_socket(socket.create_connection(("allowed.test",443),timeout=3),server_hostname="allowed.test")
t.sendall(b"GET / HTTP/1.1\r\nHost: allowed.test\r\n\r\n"); t.recv(500); open("/tmp/state","w").write("open\n"); t.settimeout(30)
try: r = "closed" if not t.recv(100) else "data"
except Exception as e: r = "closed-" + type(e).__name__
open("/tmp/state","a").write(r + "\n")'
for i in $(seq 1 50); do docker exec ${P}-sb cat /tmp/state 2>/dev/null | grep -q open && break; sleep 0.1; done
s=$(date +%s%N); policy '["late.test"]'
st=""; for i in $(seq 1 50); do st=$(docker exec ${P}-sb cat /tmp/state 2>/dev/null | tail -1); case "$st" in closed*) break;; esac; sleep 0.1; done
echo "open connection to allowed.test after it was removed: $st ($(( ($(date +%s%N)-s)/1000000 )) ms after the apply began)"; case $st in closed*) ;; *) fail=1;; esac
docker kill ${P}-gw >/dev/null
r=$(docker exec ${P}-sb python3 -c "$probe" late.test); echo "gateway killed: late.test -> $r"; case $r in ERR*) ;; *) fail=1;; esac
r=$(docker exec ${P}-sb python3 -c "$probe" $ALLOWED); echo "gateway killed: the allowed address directly -> $r"; case $r in ERR*) ;; *) fail=1;; esac
docker start ${P}-gw >/dev/null; sleep 1
r=$(docker exec ${P}-sb python3 -c "$probe" late.test); echo "gateway started again, no policy yet: late.test -> $r"; case $r in ERR*) ;; *) fail=1;; esac
policy "$LIST"
r=$(docker exec ${P}-sb python3 -c "$probe" allowed.test); echo "policy applied again: allowed.test -> $r"; case $r in allowed*) ;; *) fail=1;; esac
docker rm -f ${P}-sb >/dev/null

if [ -n "${NGINX_IMAGE:-}" ]; then
  say "nginx stream ssl_preread, same attacks (a comparison, not the design)"
  cat > "$W/nginx.conf" <<EOF
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes 1; pid /run/nginx.pid; error_log stderr notice; daemon off;
events { worker_connections 1024; }
stream {
  resolver $UP valid=30s ipv6=off;
  map \$ssl_preread_server_name \$up {
    allowed.test allowed.test:443; rebind.test rebind.test:443; host.test host.test:443;
    ~^[a-z0-9-]+(\.[a-z0-9-]+)*\.wild\.test\$ \$ssl_preread_server_name:443;
    default 127.0.0.1:1;
  }
  log_format l '\$remote_addr sni=\$ssl_preread_server_name up=\$upstream_addr status=\$status';
  access_log /dev/stdout l;
  server { listen 443; ssl_preread on; proxy_pass \$up; }
}
EOF
  docker run -d --label $L --name ${P}-ng --network ${P}-pub --ip $NGIP -v "$W/nginx.conf":/etc/nginx/nginx.conf:ro --tmpfs /run --tmpfs /var/lib/nginx --tmpfs /var/log/nginx "$NGINX_IMAGE" nginx >/dev/null
  guard guardng $GUARD_NG; rules guardng $NGIP; sleep 1
  sandbox guardng python3 /p/ng-attacks.py
  echo "this machine's listener now: $(grep -c HOST-CONNECT "$W/host.log") connections (nginx does not filter resolved addresses)"
fi

if [ -n "${HAPROXY_IMAGE:-}" ]; then
  say "HAProxy req.ssl_sni + do-resolve + address ACL, same attacks (a comparison, not the design)"
  cat > "$W/haproxy.cfg" <<HCFG
global
  log stdout format raw local0
defaults
  mode tcp
  log global
  option tcplog
  timeout connect 5s
  timeout client 30s
  timeout server 30s
resolvers up
  nameserver u $UP:53
  accepted_payload_size 8192
  hold valid 10s
frontend tls
  bind :443
  tcp-request inspect-delay 5s
  tcp-request content reject unless { req.ssl_hello_type 1 }
  tcp-request content reject unless { req.ssl_sni -m found }
  tcp-request content reject unless { req.ssl_sni -m str allowed.test rebind.test host.test } || { req.ssl_sni -m end .wild.test }
  tcp-request content do-resolve(txn.dstip,up,ipv4) req.ssl_sni
  tcp-request content reject unless { var(txn.dstip) -m found }
  tcp-request content reject if { var(txn.dstip) -m ip 0.0.0.0/8 10.0.0.0/8 100.64.0.0/10 127.0.0.0/8 169.254.0.0/16 172.16.0.0/12 192.168.0.0/16 $PUBGW }
  default_backend dyn
backend dyn
  tcp-request content set-dst var(txn.dstip)
  tcp-request content set-dst-port int(443)
  server s 0.0.0.0:0
HCFG
  docker run -d --label $L --name ${P}-hap --network ${P}-pub --ip 198.51.100.232 -v "$W/haproxy.cfg":/hap.cfg:ro "$HAPROXY_IMAGE" haproxy -f /hap.cfg -db >/dev/null
  docker network connect ${P}-priv ${P}-hap
  guard guardhap 198.51.100.233; rules guardhap 198.51.100.232; sleep 1
  before=$(grep -c HOST-CONNECT "$W/host.log")
  sandbox guardhap python3 /p/ng-attacks.py
  echo "victim: $(docker logs ${P}-victim 2>&1 | grep -c CONNECT) connections; this machine's listener: +$(( $(grep -c HOST-CONNECT "$W/host.log") - before ))"
fi

if [ -n "${BENCH:-}" ]; then
  say "benchmark: open (direct) vs gateway, same client and target (medians per run)"
  for r in 1 2 3; do for m in guardopen guard ${NGINX_IMAGE:+guardng} ${HAPROXY_IMAGE:+guardhap}; do
    nd=""; [ $m = guardng ] || [ $m = guardhap ] && nd=1
    echo "$m $(NODNS=$nd N=${N:-300} sandbox $m python3 /p/bench.py | tail -1) load=$(cut -d' ' -f1 /proc/loadavg)"
  done; done
fi

say "result"
[ $fail = 0 ] && echo "all checks passed" || echo "SOME CHECKS FAILED"
exit $fail
