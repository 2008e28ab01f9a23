//! Fuzzes what `svcplay kube-proxy`, `trace` and `simulate` compute: any text analysed
//! (through the API server and `--stored`), then every proxy mode's output on the
//! default node, a packet walk to the first Service port and a short simulation.
//! Nothing reachable from input may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use svcplay::proxy::config::ProxyMode;
use svcplay::proxy::trace::Packet;
use svcplay::scenario::{Options, analyze};
use svcplay::simulate::{SimRequest, run};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for stored in [false, true] {
        let analysis = analyze(text, Options { stored });
        let node = analysis.default_node();
        // Every mode's listings (iptables-save, nft, ipvsadm, ipset, the userspace
        // proxier), as `svcplay kube-proxy` prints them for the configured one.
        for mode in ProxyMode::ALL {
            let _ = analysis.proxy_in(&node, mode).output().to_string();
        }
        // A packet to the first Service port with a ClusterIP, from the node.
        let target = analysis.objects.services.iter().find_map(|s| {
            let ip = svcplay::model::ip::parse_ip_sloppy(s.spec.cluster_ip.as_deref()?)?;
            let port = u16::try_from(s.spec.ports.first()?.port?).ok()?;
            Some((ip, port))
        });
        if let Some((dst, dport)) = target {
            let src = if dst.is_ipv4() {
                "10.0.0.99".parse().unwrap()
            } else {
                "fd00::99".parse().unwrap()
            };
            let packet = Packet {
                src,
                dst,
                dport,
                protocol: svcplay::proxy::Protocol::Tcp,
            };
            for mode in ProxyMode::ALL {
                if let Ok(trace) = analysis.trace(&node, mode, packet.clone()) {
                    let _ = trace.to_string();
                }
            }
        }
        let request = SimRequest {
            requests: 64,
            seed: 7,
            ..SimRequest::default()
        };
        if let Ok(result) = run(&analysis, &request) {
            let _ = result.to_string();
            let _ = result.to_json();
        }
    }
});
