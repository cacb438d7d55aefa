/** Lambda API: layer versions (contract C1, 2018-10-31 paths), wire ⇄ domain. */
import type { LayerService } from '../../control/layers.js';
import { LIMITS } from '../../control/limits.js';
import type { LayerVersion } from '../../control/model.js';
import type { ApiRequest, Route } from '../../gateway/router.js';
import { lambdaTimestamp } from '../../shared/ids.js';
import type { CodeLinks } from './code-links.js';
import { json, jsonBody, noContent } from './json.js';

const SMALL = 1024 * 1024;

/** LayerVersionsListItem: a version without its content. */
function listItem(layers: LayerService, v: LayerVersion): Record<string, unknown> {
  const out: Record<string, unknown> = {
    LayerVersionArn: layers.arn(v.name, v.version),
    Version: v.version,
    Description: v.description,
    CreatedDate: lambdaTimestamp(v.createdDate),
  };
  if (v.compatibleRuntimes) out.CompatibleRuntimes = v.compatibleRuntimes;
  if (v.licenseInfo !== undefined) out.LicenseInfo = v.licenseInfo;
  if (v.compatibleArchitectures) out.CompatibleArchitectures = v.compatibleArchitectures;
  return out;
}

/** Publish/GetLayerVersion(ByArn): the version with its content and a download link like GetFunction's. */
function layerVersion(layers: LayerService, links: CodeLinks, req: ApiRequest, v: LayerVersion): Record<string, unknown> {
  const { LayerVersionArn, ...rest } = listItem(layers, v);
  return {
    Content: { Location: links.url(req.origin, v.codeSha256), CodeSha256: Buffer.from(v.codeSha256, 'hex').toString('base64'), CodeSize: v.codeSize },
    LayerArn: layers.arn(v.name),
    LayerVersionArn,
    ...rest,
  };
}

export function layerRoutes(layers: LayerService, links: CodeLinks): Route[] {
  const filter = (req: ApiRequest) => ({ runtime: req.query.get('CompatibleRuntime'), architecture: req.query.get('CompatibleArchitecture') });
  const page = (items: unknown[], key: string, next?: string) => (next ? { [key]: items, NextMarker: next } : { [key]: items });

  return [
    {
      method: 'POST', path: '/2018-10-31/layers/{LayerName}/versions', operation: 'PublishLayerVersion', maxBody: LIMITS.createFunctionRequestBytes,
      handler: async (req) => json(201, layerVersion(layers, links, req, await layers.publish(req.params.LayerName!, jsonBody(req.body)))),
    },
    {
      method: 'GET', path: '/2018-10-31/layers/{LayerName}/versions/{VersionNumber}', operation: 'GetLayerVersion', maxBody: SMALL,
      handler: (req) => json(200, layerVersion(layers, links, req, layers.get(req.params.LayerName!, req.params.VersionNumber!))),
    },
    {
      method: 'DELETE', path: '/2018-10-31/layers/{LayerName}/versions/{VersionNumber}', operation: 'DeleteLayerVersion', maxBody: SMALL,
      handler: async (req) => (await layers.delete(req.params.LayerName!, req.params.VersionNumber!), noContent()),
    },
    {
      method: 'GET', path: '/2018-10-31/layers/{LayerName}/versions', operation: 'ListLayerVersions', maxBody: SMALL,
      handler: (req) => {
        const p = layers.listVersions(req.params.LayerName!, filter(req), req.query.get('Marker'), req.query.get('MaxItems'));
        return json(200, page(p.items.map((v) => listItem(layers, v)), 'LayerVersions', p.nextMarker));
      },
    },
    {
      // ListLayers and GetLayerVersionByArn share a path; `?find=LayerVersion` names the latter.
      method: 'GET', path: '/2018-10-31/layers', operation: 'ListLayers', maxBody: SMALL,
      handler: (req) => {
        if (req.query.get('find') === 'LayerVersion') return json(200, layerVersion(layers, links, req, layers.getByArn(req.query.get('Arn'))));
        const p = layers.list(filter(req), req.query.get('Marker'), req.query.get('MaxItems'));
        const items = p.items.map((v) => ({ LayerName: v.name, LayerArn: layers.arn(v.name), LatestMatchingVersion: listItem(layers, v) }));
        return json(200, page(items, 'Layers', p.nextMarker));
      },
    },
  ];
}
