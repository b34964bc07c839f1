import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes of LCM operation workflows; `npm start` registers them on the dev server. */
export const VNF_INSTANCE_ID = defineSearchAttributeKey('VnfInstanceId', SearchAttributeType.KEYWORD);
export const VNF_LCM_OPERATION_STATE = defineSearchAttributeKey('VnfLcmOperationState', SearchAttributeType.KEYWORD);
export const VNF_LCM_OPERATION = defineSearchAttributeKey('VnfLcmOperation', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTE_KEYS = [VNF_INSTANCE_ID, VNF_LCM_OPERATION_STATE, VNF_LCM_OPERATION] as const;
