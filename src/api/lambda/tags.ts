/** Lambda API: TagResource / UntagResource / ListTags on unqualified function ARNs. */
import { validationError } from '../../errors/catalog.js';
import type { FunctionService } from '../../control/functions.js';
import type { Route } from '../../gateway/router.js';
import { json, jsonBody, noContent } from './json.js';

export function tagRoutes(fns: FunctionService): Route[] {
  const path = '/2017-03-31/tags/{Resource}';
  return [
    {
      method: 'POST', path, operation: 'TagResource', maxBody: 1024 * 1024,
      handler: (req) => {
        const body = jsonBody(req.body);
        if (body.Tags === undefined) throw validationError([{ value: null, path: 'tags', constraint: 'Member must not be null' }]);
        fns.tag(req.params.Resource!, body.Tags);
        return noContent();
      },
    },
    {
      method: 'DELETE', path, operation: 'UntagResource', maxBody: 1024 * 1024,
      handler: (req) => {
        const keys = req.query.getAll('tagKeys');
        if (keys.length === 0) throw validationError([{ value: null, path: 'tagKeys', constraint: 'Member must not be null' }]);
        fns.untag(req.params.Resource!, keys);
        return noContent();
      },
    },
    {
      method: 'GET', path, operation: 'ListTags', maxBody: 1024 * 1024,
      handler: (req) => json(200, { Tags: fns.listTags(req.params.Resource!) }),
    },
  ];
}
