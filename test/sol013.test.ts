// SOL013 §5.2 attribute filters and §5.3 attribute selectors, as the gateway reads them: the
// whole grammar, table by table, against the wire models the lists return. Pure functions, no
// server: the API tests (vnflcm-api, vnf-packages, notifications) show the same rules over HTTP.
import { describe, expect, it } from 'vitest';
import { HttpProblem } from '../src/http/problem.ts';
import { matchesFilter, parseFilter } from '../src/http/sol013-filter.ts';
import { AttributeSelector, type SelectorQuery } from '../src/http/sol013-selectors.ts';
import { VNF_INSTANCE_MODEL } from '../src/gateway/routes/vnf-instances.ts';
import { VNF_LCM_OP_OCC_MODEL } from '../src/gateway/routes/vnf-lcm-op-occs.ts';
import { VNF_PKG_INFO_MODEL } from '../src/gateway/routes/vnf-packages.ts';
import type { VnfInstance } from '../src/sol003/models.ts';

const instance = (overrides: Partial<VnfInstance> = {}): VnfInstance => ({
  id: 'a1', vnfInstanceName: "web, eu's (primary)", vnfdId: 'vnfd-1', vnfProvider: 'Company', vnfProductName: 'Sample VNF',
  vnfSoftwareVersion: '1.0', vnfdVersion: '1.0', instantiationState: 'INSTANTIATED',
  vimConnectionInfo: { 'vim-1': { vimId: 'vim-1', vimType: 'ETSINFV.OPENSTACK_KEYSTONE.V_3', interfaceInfo: { endpoint: 'http://keystone/v3' } } },
  instantiatedVnfInfo: {
    flavourId: 'simple', vnfState: 'STARTED',
    vnfcResourceInfo: [
      { id: 'vnfc-1', vduId: 'VDU1', computeResource: { vimConnectionId: 'vim-1', resourceId: 'server-1', vimLevelResourceType: 'OS::Nova::Server' } },
      { id: 'vnfc-2', vduId: 'VDU2', computeResource: { vimConnectionId: 'vim-1', resourceId: 'server-2', vimLevelResourceType: 'OS::Nova::Server' } },
    ],
  },
  metadata: { 'tier/zone': 'a,b', 'size@x': 3, flag: true },
  _links: { self: { href: 'http://vnfm/vnflcm/v2/vnf_instances/a1' } },
  ...overrides,
});

const matches = (filter: string, object: unknown = instance()) => matchesFilter(object, parseFilter(filter, VNF_INSTANCE_MODEL.schema, 'VnfInstance'));
const refusal = (call: () => unknown): string => {
  try {
    call();
  } catch (err) {
    if (err instanceof HttpProblem) return `${err.status} ${err.detail}`;
    throw err;
  }
  throw new Error('no refusal');
};

describe('SOL013 attribute filter', () => {
  it.each([
    ['(eq,vnfdId,vnfd-1)', true],
    ['(eq,vnfdId,vnfd-2)', false],
    ['(eq,vnfdId,vnfd-2,vnfd-1)', true],
    ['(neq,vnfdId,vnfd-2)', true],
    ['(neq,vnfdId,vnfd-2,vnfd-1)', false],
    ['(in,vnfdId,x,vnfd-1)', true],
    ['(nin,vnfdId,x,vnfd-1)', false],
    ['(cont,vnfProductName,Sample)', true],
    ['(cont,vnfProductName,Other,VNF)', true],
    ['(ncont,vnfProductName,Other)', true],
    ['(ncont,vnfProductName,Sample)', false],
    ['(gt,vnfSoftwareVersion,0.9)', true],
    ['(gte,vnfSoftwareVersion,1.0)', true],
    ['(lt,vnfSoftwareVersion,1.0)', false],
    ['(lte,vnfSoftwareVersion,1.0)', true],
  ])('the operators: %s is %s', (filter, expected) => {
    expect(matches(filter)).toBe(expected);
  });

  it.each([
    ['expressions separated by ; must all hold', '(eq,vnfdId,vnfd-1);(eq,instantiationState,INSTANTIATED)', true],
    ['one failing expression fails the whole filter', '(eq,vnfdId,vnfd-1);(eq,instantiationState,NOT_INSTANTIATED)', false],
    ['a quoted value holds commas, parentheses and a doubled quote', "(eq,vnfInstanceName,'web, eu''s (primary)')", true],
    ['a quoted value is compared whole', "(eq,vnfInstanceName,'web, eu')", false],
    ['/ names an attribute of an attribute', '(eq,instantiatedVnfInfo/flavourId,simple)', true],
    ['/ looks through arrays: one element matching is enough', '(eq,instantiatedVnfInfo/vnfcResourceInfo/vduId,VDU2)', true],
    ['neq through an array holds only when no element has the value', '(neq,instantiatedVnfInfo/vnfcResourceInfo/vduId,VDU2)', false],
    ['three levels deep through an array', '(eq,instantiatedVnfInfo/vnfcResourceInfo/computeResource/resourceId,server-1)', true],
    ['~1 in a name is a /', '(eq,metadata/tier~1zone,\'a,b\')', true],
    ['~b in a name is an @, and numbers compare as numbers', '(gt,metadata/size~bx,2)', true],
    ['booleans compare as booleans', '(eq,metadata/flag,true)', true],
    ['@key names the keys of a map', '(eq,vimConnectionInfo/@key,vim-1)', true],
    ['an attribute absent from the object matches no eq', '(eq,vnfInstanceDescription,x)', false],
    ['and every neq', '(neq,vnfInstanceDescription,x)', true],
  ])('%s', (_behaviour, filter, expected) => {
    expect(matches(filter)).toBe(expected);
  });

  it('reads ~a in a name as a comma', () => {
    expect(matches('(eq,metadata/a~ab,1)', instance({ metadata: { 'a,b': 1 } }))).toBe(true);
  });

  it.each([
    ['an unknown operator', '(like,vnfdId,x)', /^400 filter operator like is not one of eq, neq/],
    ['an attribute the resource does not have', '(eq,password,x)', /^400 filter attribute password is not supported: VnfInstance has no attribute password$/],
    ['an unknown attribute below a known one', '(eq,instantiatedVnfInfo/nothing,x)', /VnfInstance has no attribute instantiatedVnfInfo\/nothing/],
    ['a structure instead of an attribute of it', '(eq,instantiatedVnfInfo,x)', /instantiatedVnfInfo of VnfInstance is a structure/],
    ['two values for gt', '(gt,vnfdVersion,1,2)', /filter operator gt takes one value/],
    ['no value', '(eq,vnfdId)', /no value/],
    ['no parentheses', 'eq,vnfdId,x', /is not of the form/],
    ['an expression not closed', '(eq,vnfdId,x', /expected '\)' to close the filter expression/],
    ['something else than ; between expressions', '(eq,vnfdId,x),(eq,vnfdId,y)', /expected ';' between two filter expressions at position 14, found ','/],
    ['a quoted value not closed', "(eq,vnfdId,'x)", /a quoted value is not closed/],
    ['a quote inside an unquoted value', "(eq,vnfdId,a'b)", /a quote inside an unquoted value/],
    ['an empty value', '(eq,vnfdId,)', /empty value/],
  ])('answers 400 for %s', (_fault, filter, detail) => {
    expect(refusal(() => parseFilter(filter, VNF_INSTANCE_MODEL.schema, 'VnfInstance'))).toMatch(detail);
  });

  it('answers 400 for cont on an attribute that is not a string', () => {
    expect(refusal(() => parseFilter('(cont,softwareImages/size,3)', VNF_PKG_INFO_MODEL.schema, 'VnfPkgInfo'))).toMatch(/cont applies to strings; softwareImages\/size of VnfPkgInfo is a number/);
  });

  it('answers 400 for a number or boolean value that is not one', () => {
    expect(refusal(() => parseFilter('(gt,softwareImages/size,big)', VNF_PKG_INFO_MODEL.schema, 'VnfPkgInfo'))).toMatch(/"big" for softwareImages\/size is not a number/);
    expect(refusal(() => parseFilter('(eq,isCancelPending,maybe)', VNF_LCM_OP_OCC_MODEL.schema, 'VnfLcmOpOcc'))).toMatch(/"maybe" for isCancelPending is not true or false/);
  });
});

describe('SOL013 attribute selectors', () => {
  const select = (query: SelectorQuery, object: unknown = instance()) => AttributeSelector.parse(query, VNF_INSTANCE_MODEL).apply(object) as Record<string, unknown>;

  it('leaves out the default exclusions of the resource when no selector is given', () => {
    const shown = select({});
    expect(Object.keys(shown).sort()).toEqual(['_links', 'id', 'instantiationState', 'vnfInstanceName', 'vnfProductName', 'vnfProvider', 'vnfSoftwareVersion', 'vnfdId', 'vnfdVersion']);
  });

  it('leaves out the same with exclude_default', () => {
    expect(select({ exclude_default: '' })).toEqual(select({}));
  });

  it('shows every attribute with all_fields', () => {
    expect(select({ all_fields: '' })).toEqual(instance());
  });

  it('shows the simple and mandatory attributes and the listed complex ones with fields', () => {
    const shown = select({ fields: 'metadata' });
    expect(shown.metadata).toEqual(instance().metadata);
    expect(shown.instantiatedVnfInfo).toBeUndefined();
    expect(shown.vimConnectionInfo).toBeUndefined();
    expect(shown.vnfdId).toBe('vnfd-1');
    expect(shown._links).toBeDefined();
  });

  it('narrows a complex attribute to the child named with fields', () => {
    const shown = select({ fields: 'instantiatedVnfInfo/vnfcResourceInfo' }, instance({ instantiatedVnfInfo: { ...instance().instantiatedVnfInfo!, vnfcInfo: [] } }));
    expect(shown.instantiatedVnfInfo).toEqual({ flavourId: 'simple', vnfState: 'STARTED', vnfcResourceInfo: instance().instantiatedVnfInfo?.vnfcResourceInfo });
  });

  it('adds the listed attributes to everything but the default exclusions with fields and exclude_default', () => {
    const shown = select({ fields: 'vimConnectionInfo', exclude_default: '' });
    expect(shown.vimConnectionInfo).toBeDefined();
    expect(shown.instantiatedVnfInfo).toBeUndefined();
    expect(shown.metadata).toBeUndefined();
  });

  it('leaves out only the listed attributes with exclude_fields', () => {
    const shown = select({ exclude_fields: 'metadata,instantiatedVnfInfo/vnfcResourceInfo' });
    expect(shown.metadata).toBeUndefined();
    expect(shown.vimConnectionInfo).toBeDefined();
    expect(shown.instantiatedVnfInfo).toEqual({ flavourId: 'simple', vnfState: 'STARTED' });
  });

  it('leaves out an op occ\'s operationParams, error, resourceChanges and changedInfo from a list by default', () => {
    const op = { id: 'op', operationParams: {}, error: { status: 500, detail: 'x' }, resourceChanges: { affectedVnfcs: [] }, changedInfo: {}, operationState: 'FAILED_TEMP' };
    expect(AttributeSelector.parse({}, VNF_LCM_OP_OCC_MODEL).apply(op)).toEqual({ id: 'op', operationState: 'FAILED_TEMP' });
  });

  it('leaves out a package\'s softwareImages, checksum and userDefinedData from a list by default', () => {
    const pkg = { id: 'p', softwareImages: [], checksum: { algorithm: 'SHA-256', hash: 'h' }, userDefinedData: { a: 1 }, onboardingState: 'ONBOARDED' };
    expect(AttributeSelector.parse({}, VNF_PKG_INFO_MODEL).apply(pkg)).toEqual({ id: 'p', onboardingState: 'ONBOARDED' });
  });

  it.each([
    ['all_fields with fields', { all_fields: '', fields: 'metadata' }, /all_fields and fields cannot be combined/],
    ['fields with exclude_fields', { fields: 'metadata', exclude_fields: 'extensions' }, /fields and exclude_fields cannot be combined/],
    ['exclude_fields with exclude_default', { exclude_fields: 'metadata', exclude_default: '' }, /cannot be combined/],
    ['an attribute the resource does not have', { fields: 'nothing' }, /^400 fields names nothing, which is not an attribute of VnfInstance$/],
    ['a simple attribute', { fields: 'vnfdId' }, /vnfdId, a simple attribute of VnfInstance; only complex attributes can be selected/],
    ['a mandatory attribute', { exclude_fields: '_links' }, /_links, which VnfInstance always includes/],
    ['an empty name', { fields: 'metadata,' }, /has an empty attribute name/],
  ])('answers 400 for %s', (_fault, query, detail) => {
    expect(refusal(() => AttributeSelector.parse(query, VNF_INSTANCE_MODEL))).toMatch(detail);
  });
});
