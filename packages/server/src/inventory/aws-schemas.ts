import type { ssm } from '@bosun/protocol';

/**
 * The schemas of AWS's own inventory types, as GetInventorySchema answers them on AWS (type
 * name, version, attributes with their data types). PutInventory checks an AWS:* item against
 * them: an attribute not listed is InvalidItemContentException, another schema version
 * UnsupportedInventorySchemaVersionException.
 */
const s = (names: string, numbers = ''): ssm.InventoryItemAttribute[] => [
  ...names.split(' ').filter(Boolean).map((Name) => ({ Name, DataType: 'string' as const })),
  ...numbers.split(' ').filter(Boolean).map((Name) => ({ Name, DataType: 'number' as const })),
];

export const AWS_SCHEMAS: readonly ssm.InventoryItemSchema[] = [
  { TypeName: 'AWS:AWSComponent', Version: '1.0', Attributes: s('Name ApplicationType Publisher Version InstalledTime Architecture URL Summary PackageId Release Epoch') },
  { TypeName: 'AWS:Application', Version: '1.1', Attributes: s('Name ApplicationType Publisher Version InstalledTime Architecture URL Summary PackageId Release Epoch') },
  { TypeName: 'AWS:BillingInfo', Version: '1.0', Attributes: s('BillingProductId') },
  { TypeName: 'AWS:ComplianceItem', Version: '1.0', Attributes: s('ComplianceType ExecutionId ExecutionType ExecutionTime Id Title Status Severity DocumentName DocumentVersion Classification PatchBaselineId PatchSeverity PatchState PatchGroup InstalledTime InstallOverrideList DetailedText DetailedLink CVEIds') },
  { TypeName: 'AWS:ComplianceSummary', Version: '1.0', Attributes: s('ComplianceType ExecutionId ExecutionType ExecutionTime Status OverallSeverity PatchBaselineId PatchGroup', 'CompliantCriticalCount CompliantHighCount CompliantMediumCount CompliantLowCount CompliantInformationalCount CompliantUnspecifiedCount NonCompliantCriticalCount NonCompliantHighCount NonCompliantMediumCount NonCompliantLowCount NonCompliantInformationalCount NonCompliantUnspecifiedCount') },
  { TypeName: 'AWS:File', Version: '1.0', Attributes: s('Name Description FileVersion InstalledDate ModificationTime LastAccessTime ProductName InstalledDir ProductLanguage CompanyName ProductVersion', 'Size') },
  { TypeName: 'AWS:InstanceDetailedInformation', Version: '1.0', Attributes: s('CPUModel CPUSpeedMHz CPUHyperThreadEnabled OSServicePack KernelVersion', 'CPUs CPUSockets CPUCores MemoryMB') },
  { TypeName: 'AWS:InstanceInformation', Version: '1.0', Attributes: s('AgentType AgentVersion ComputerName InstanceId IpAddress PlatformName PlatformType PlatformVersion ResourceType InstanceStatus') },
  { TypeName: 'AWS:Network', Version: '1.0', Attributes: s('Name SubnetMask Gateway DHCPServer DNSServer MacAddress IPV4 IPV6') },
  { TypeName: 'AWS:PatchSummary', Version: '1.0', Attributes: s('PatchGroup BaselineId SnapshotId OwnerInformation ExecutionId Operation OperationStartTime OperationEndTime RebootOption', 'InstalledCount InstalledOtherCount InstalledPendingRebootCount InstalledRejectedCount NotApplicableCount MissingCount FailedCount') },
  { TypeName: 'AWS:Service', Version: '1.0', Attributes: s('Name DisplayName ServiceType Status DependentServices ServicesDependedOn StartType') },
  { TypeName: 'AWS:Tag', Version: '1.0', Attributes: s('Key Value') },
  { TypeName: 'AWS:WindowsRegistry', Version: '1.0', Attributes: s('KeyPath ValueName ValueType Value') },
  { TypeName: 'AWS:WindowsRole', Version: '1.0', Attributes: s('Name DisplayName Path FeatureType DependsOn Description Installed InstalledState SubFeatures ServerComponentDescriptor Parent') },
  { TypeName: 'AWS:WindowsUpdate', Version: '1.0', Attributes: s('HotFixId Description InstalledTime InstalledBy') },
];

export function awsSchemaOf(typeName: string): ssm.InventoryItemSchema | undefined {
  return AWS_SCHEMAS.find((schema) => schema.TypeName === typeName);
}

/**
 * The attributes that tell one entry of a type from another (so that a new version of a
 * package is a change of one entry, not a removal and an addition). Types not listed use
 * `Name` when their entries have one.
 */
export const ENTRY_IDENTITY: Readonly<Record<string, readonly string[]>> = {
  'AWS:Application': ['Name', 'Architecture'],
  'AWS:AWSComponent': ['Name', 'Architecture'],
  'AWS:File': ['InstalledDir', 'Name'],
  'AWS:Tag': ['Key'],
  'AWS:WindowsUpdate': ['HotFixId'],
  'AWS:WindowsRegistry': ['KeyPath', 'ValueName'],
  'AWS:ComplianceItem': ['ComplianceType', 'Id'],
  'AWS:ComplianceSummary': ['ComplianceType'],
};
