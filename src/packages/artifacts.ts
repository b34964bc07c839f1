// The artifacts of a VNF package (SOL004 §4.3, SOL005 additionalArtifacts): every file it holds
// besides what describes it (TOSCA.meta and its folder, the VNFD files, the manifest and its
// certificate) and its software images (those are softwareImages). The coordinate scripts of a
// package are artifacts, for example.
import { createHash } from 'node:crypto';
import type { VnfPackageArtifactInfo } from '../sol005/models.ts';
import { collectVnfdFiles, type Csar } from './csar.ts';

export function packageArtifacts(csar: Csar): VnfPackageArtifactInfo[] {
  const described = new Set(collectVnfdFiles(csar.meta, (path) => csar.files.get(path)).keys());
  for (const key of ['ETSI-Entry-Manifest', 'ETSI-Entry-Certificate', 'ETSI-Entry-Change-Log', 'ETSI-Entry-Licenses']) {
    const path = csar.meta.keys[key];
    if (path) described.add(path);
  }
  const images = new Set(csar.softwareImages.flatMap((image) => (image.artifactFile ? [image.artifactFile] : [])));
  return [...csar.files.entries()]
    .filter(([path]) => !described.has(path) && !images.has(path) && !path.startsWith('TOSCA-Metadata/') && !/^[^/]+\.(mf|cert)$/i.test(path))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([artifactPath, bytes]) => ({ artifactPath, checksum: { algorithm: 'SHA-256', hash: createHash('sha256').update(bytes).digest('hex') } }));
}
