#!/usr/bin/env bash
# make.sh - builds the captures the shared set lacks, with SIPp (sip-tester) and tcpdump inside
# network namespaces (so nothing else on the host's loopback gets in, and the MTU can be set):
#   frag_udp_ipv4.pcap  INVITE of ~1.9 kB over a 1280-byte MTU: IPv4 fragments (2 calls)
#   frag_udp_ipv6.pcap  the same over IPv6: IPv6 fragment headers (2 calls)
#   tcp_segmented.pcap  the same over TCP: the INVITE split over segments (2 calls, one connection)
#   vlan.pcap           one 802.1Q tag, vlan_qinq.pcap 802.1ad + 802.1Q tags (2 calls each;
#                       tags written into an Ethernet capture: containers lack the 8021q module)
#   sll.pcap, sll2.pcap "tcpdump -i any" link types LINUX_SLL and LINUX_SLL2 (2 calls each)
#   early_prack.pcap    183 with SDP + Require: 100rel, PRACK, 200 (PRACK), 200 (INVITE) (2 calls)
#   b2bua_xcid.pcap     leg A 127.0.0.1 -> 127.0.0.2, leg B 127.0.0.2 -> 127.0.0.3 with X-CID (2 calls)
#   b2bua_number.pcap   the same legs without X-CID, the number +4420123456 on both (2 calls)
#   options_noise.pcap  10 OPTIONS keep-alives around 2 calls
# Needs root, sip-tester, tcpdump, iproute2. Every SIPp run is bounded (-m, timeout). The small
# results are committed, so tests never need root. Usage: tests/data/captures/make.sh [outdir]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SC="$HERE/scenarios"
OUT=$(mkdir -p "${1:-$HERE}" && cd "${1:-$HERE}" && pwd)
WORK=$(mktemp -d /tmp/sb-sipcap.XXXXXX)
NS=sbsipcap
FILTER='port 5060 or port 5062 or port 5070 or (ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] == 44)'

cleanup() {
  ip netns del $NS 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
cleanup
WORK=$(mktemp -d /tmp/sb-sipcap.XXXXXX)
ip netns add $NS || { echo "needs root (ip netns)"; exit 1; }
ip netns exec $NS ip link set lo up mtu 1280
ip netns exec $NS ip addr add 127.0.0.2/8 dev lo 2>/dev/null
ip netns exec $NS ip addr add 127.0.0.3/8 dev lo 2>/dev/null

# cap_start FILE [tcpdump args...]: capture in the namespace (lo unless -i given)
cap_start() {
  local f=$1
  shift
  ip netns exec "$NS" tcpdump -s 0 -U -w "$f" "${@:--ilo}" "$FILTER" 2>>"$WORK/tcpdump.log" &
  CAP=$!
  sleep 1
}
cap_stop() { sleep 0.5; kill -INT "$CAP"; wait "$CAP" 2>/dev/null; }
uas() { # NAME, sipp args: a bounded server in the background
  local n=$1
  shift
  timeout 60 ip netns exec "$NS" sipp -nostdin "$@" >"$WORK/$n.uas.out" 2>&1 &
  UAS=$!
  sleep 0.5
}
uac() {
  local n=$1
  shift
  timeout 60 ip netns exec "$NS" sipp -nostdin "$@" >"$WORK/$n.uac.out" 2>&1
  echo "  $n: uac rc=$?"
}
uas_wait() { wait "$UAS"; }

echo "== frag_udp_ipv4.pcap"
cap_start "$OUT/frag_udp_ipv4.pcap"
uas f4 -sn uas -i 127.0.0.1 -p 5060 -m 2
uac f4 -sf "$SC/uac_big.xml" 127.0.0.1:5060 -i 127.0.0.1 -p 5070 -m 2 -r 2 -s 1000
uas_wait; cap_stop

echo "== frag_udp_ipv6.pcap"
cap_start "$OUT/frag_udp_ipv6.pcap"
uas f6 -sn uas -i ::1 -p 5060 -m 2
uac f6 -sf "$SC/uac_big.xml" '[::1]:5060' -i ::1 -p 5070 -m 2 -r 2 -s 1000
uas_wait; cap_stop

echo "== tcp_segmented.pcap"
cap_start "$OUT/tcp_segmented.pcap"
uas tcp -sn uas -t t1 -i 127.0.0.1 -p 5060 -m 2
uac tcp -sf "$SC/uac_big.xml" 127.0.0.1:5060 -t t1 -i 127.0.0.1 -p 5070 -m 2 -r 2 -s 1000
uas_wait; cap_stop

echo "== early_prack.pcap"
cap_start "$OUT/early_prack.pcap"
uas prack -sf "$SC/uas_prack.xml" -i 127.0.0.1 -p 5060 -m 2
uac prack -sf "$SC/uac_prack.xml" 127.0.0.1:5060 -i 127.0.0.1 -p 5070 -m 2 -r 1 -s 2000
uas_wait; cap_stop

echo "== b2bua_xcid.pcap and b2bua_number.pcap"
for kind in xcid number; do
  cap_start "$OUT/b2bua_$kind.pcap"
  uas legA -sn uas -i 127.0.0.2 -p 5060 -m 2
  UASA=$UAS
  uas legB -sn uas -i 127.0.0.3 -p 5060 -m 2
  UASB=$UAS
  if [ $kind = xcid ]; then
    timeout 60 ip netns exec $NS sipp -nostdin -sn uac 127.0.0.2:5060 -i 127.0.0.1 -p 5070 -m 2 -r 1 -rp 3000 \
      -d 500 -s 4420123456 -cid_str 'legA-%u@sbc' >"$WORK/a.out" 2>&1 &
    A=$!
    sleep 0.3
    uac legB -sf "$SC/uac_xcid.xml" 127.0.0.3:5060 -i 127.0.0.2 -p 5062 -m 2 -r 1 -rp 3000 -s 4420123456
  else
    timeout 60 ip netns exec $NS sipp -nostdin -sn uac 127.0.0.2:5060 -i 127.0.0.1 -p 5070 -m 2 -r 1 -rp 3000 \
      -d 500 -s 4420123456 >"$WORK/a.out" 2>&1 &
    A=$!
    sleep 0.3
    uac legB -sn uac 127.0.0.3:5060 -i 127.0.0.2 -p 5062 -m 2 -r 1 -rp 3000 -d 500 -s +4420123456
  fi
  wait $A
  wait $UASA $UASB
  cap_stop
done

echo "== options_noise.pcap"
cap_start "$OUT/options_noise.pcap"
uas opt -sf "$SC/uas_options.xml" -i 127.0.0.1 -p 5062 -m 10
UASO=$UAS
uas call -sn uas -i 127.0.0.1 -p 5060 -m 2
timeout 60 ip netns exec $NS sipp -nostdin -sf "$SC/uac_options.xml" 127.0.0.1:5062 -i 127.0.0.1 -p 5071 \
  -m 10 -r 5 >"$WORK/o.out" 2>&1 &
O=$!
uac call -sn uac 127.0.0.1:5060 -i 127.0.0.1 -p 5070 -m 2 -r 2 -d 500 -s 1000
wait $O $UASO $UAS
cap_stop

echo "== sll.pcap and sll2.pcap"
for lt in LINUX_SLL LINUX_SLL2; do
  f=sll.pcap
  [ $lt = LINUX_SLL2 ] && f=sll2.pcap
  cap_start "$OUT/$f" -i any -y $lt
  uas sll -sn uas -i 127.0.0.1 -p 5060 -m 2
  uac sll -sn uac 127.0.0.1:5060 -i 127.0.0.1 -p 5070 -m 2 -r 2 -d 500 -s 1000
  uas_wait; cap_stop
done

echo "== vlan.pcap and vlan_qinq.pcap (802.1Q / 802.1ad+802.1Q tags inserted into an Ethernet capture;"
echo "   containers rarely have the 8021q module, so the tags are written by tag_frames below)"
# tag_frames IN OUT TPID:VID... : inserts the tags after the MAC addresses of every frame
tag_frames() {
  python3 - "$@" <<'PY'
import struct, sys
src, dst, tags = sys.argv[1], sys.argv[2], [t.split(':') for t in sys.argv[3:]]
data = open(src, 'rb').read()
e = '<' if data[:4] == b'\xd4\xc3\xb2\xa1' else '>'
hdr, off, out = data[:24], 24, bytearray()
assert struct.unpack(e + 'I', hdr[20:24])[0] == 1, 'Ethernet captures only'
ins = b''.join(struct.pack('>HH', int(t, 16), int(v)) for t, v in tags)
out += hdr
while off + 16 <= len(data):
    ts, us, cap, ln = struct.unpack(e + 'IIII', data[off:off + 16])
    frame = data[off + 16:off + 16 + cap]
    off += 16 + cap
    frame = frame[:12] + ins + frame[12:]
    out += struct.pack(e + 'IIII', ts, us, len(frame), ln + len(ins)) + frame
open(dst, 'wb').write(out)
PY
}
cap_start "$WORK/plain.pcap"
uas vlan -sn uas -i 127.0.0.1 -p 5060 -m 2
uac vlan -sn uac 127.0.0.1:5060 -i 127.0.0.1 -p 5070 -m 2 -r 2 -d 500 -s 1000
uas_wait; cap_stop
tag_frames "$WORK/plain.pcap" "$OUT/vlan.pcap" 8100:300
tag_frames "$WORK/plain.pcap" "$OUT/vlan_qinq.pcap" 88a8:100 8100:200

echo "== done"
for f in frag_udp_ipv4 frag_udp_ipv6 tcp_segmented early_prack b2bua_xcid b2bua_number options_noise sll sll2 vlan_qinq vlan; do
  printf '%-20s %6s bytes\n' "$f.pcap" "$(stat -c %s "$OUT/$f.pcap" 2>/dev/null)"
done
