import { describe, expect, it } from "vitest";
import { describeLease, resolvConfForLease } from "./dhcp-hook.js";
import { fatLabel } from "./channel.js";
import { parseHttpResponse } from "./http.js";

const lease = {
  reason: "BOUND",
  interface: "eth0",
  new_ip_address: "10.0.2.57",
  new_subnet_cidr: "24",
  new_routers: "10.0.2.1",
  new_domain_name_servers: "10.0.2.1 10.0.2.2",
  new_domain_search: "kios.test example.org",
};

describe("DHCP hook", () => {
  it("writes the lease's name servers and search list", () => {
    expect(resolvConfForLease(lease, null)).toBe("# written by kiOS\nsearch kios.test example.org\nnameserver 10.0.2.1\nnameserver 10.0.2.2\n");
    expect(resolvConfForLease({ ...lease, reason: "RENEW", new_domain_search: undefined, new_domain_name: "corp" }, null)).toContain("search corp\n");
  });

  it("falls back to node.yaml's name servers when the lease has none, and leaves resolv.conf alone otherwise", () => {
    const fallback = "# written by kiOS\nnameserver 9.9.9.9\n";
    expect(resolvConfForLease({ ...lease, new_domain_name_servers: undefined }, fallback)).toBe(fallback);
    expect(resolvConfForLease({ ...lease, new_domain_name_servers: undefined }, null)).toBeNull();
    for (const reason of ["PREINIT", "CARRIER", "EXPIRE", "NOCARRIER", "STOP"]) expect(resolvConfForLease({ ...lease, reason }, fallback)).toBeNull();
  });

  it("says what the lease is in one line", () => {
    expect(describeLease(lease)).toBe("BOUND eth0: 10.0.2.57/24 via 10.0.2.1, name servers 10.0.2.1 10.0.2.2");
  });
});

describe("config drive label", () => {
  const sector = (signatureAt: number, labelAt: number, typeAt: number, type: string, label: string) => {
    const s = new Uint8Array(512);
    s[signatureAt] = 0x29;
    s.set(Buffer.from(label.padEnd(11)), labelAt);
    s.set(Buffer.from(type.padEnd(8)), typeAt);
    s[510] = 0x55;
    s[511] = 0xaa;
    return s;
  };
  it("reads FAT12/16 and FAT32 labels, and nothing else", () => {
    expect(fatLabel(sector(0x26, 0x2b, 0x36, "FAT12", "KIOS"))).toBe("KIOS");
    expect(fatLabel(sector(0x42, 0x47, 0x52, "FAT32", "KIOS"))).toBe("KIOS");
    expect(fatLabel(sector(0x26, 0x2b, 0x36, "FAT16", "OTHER"))).toBe("OTHER");
    const noSignature = sector(0x26, 0x2b, 0x36, "FAT16", "KIOS");
    noSignature[511] = 0;
    expect(fatLabel(noSignature)).toBeNull();
    expect(fatLabel(sector(0x26, 0x2b, 0x36, "EXT4", "KIOS"))).toBeNull();
    expect(fatLabel(new Uint8Array(100))).toBeNull();
  });
});

describe("HTTP responses", () => {
  const bytes = (text: string) => Uint8Array.from(Buffer.from(text));
  it("takes the status, headers and body, by Content-Length or chunked", () => {
    const plain = parseHttpResponse(bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello world"));
    expect([plain.status, plain.headers["x-a"], Buffer.from(plain.body).toString()]).toEqual([200, "b", "hello"]);
    const chunked = parseHttpResponse(bytes("HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nnode\r\n5\r\n.yaml\r\n0\r\n\r\n"));
    expect([chunked.status, Buffer.from(chunked.body).toString()]).toEqual([404, "node.yaml"]);
  });
  it("refuses what is not HTTP", () => {
    expect(() => parseHttpResponse(bytes("SSH-2.0-OpenSSH\r\n\r\n"))).toThrow(/not an HTTP response/);
    expect(() => parseHttpResponse(bytes("HTTP/1.1 200 OK\r\n"))).toThrow(/no end of headers/);
  });
});
