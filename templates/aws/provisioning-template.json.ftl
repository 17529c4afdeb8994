<#if claim?? || rotationTemplate??>
{
  "Parameters": {
    "ThingName": {
      "Type": "String"
    },
    "MacAddress": {
      "Type": "String"
    },
    "AWS::IoT::Certificate::Id": {
      "Type": "String"
    }
  },
  "Resources": {
    "thing": {
      "Type": "AWS::IoT::Thing",
      "Properties": {
        "ThingName": {
          "Ref": "ThingName"
        },
        "AttributePayload": {
          "mac": {
            "Ref": "MacAddress"
          }
        }
      },
      "OverrideSettings": {
        "AttributePayload": "MERGE"
      }
    },
    "certificate": {
      "Type": "AWS::IoT::Certificate",
      "Properties": {
        "CertificateId": {
          "Ref": "AWS::IoT::Certificate::Id"
        },
        "Status": "ACTIVE"
      }
    },
    "policy": {
      "Type": "AWS::IoT::Policy",
      "Properties": {
        "PolicyName": "${aws.policyName}"
      }
    }
  },
  "DeviceConfiguration": {}
}
</#if>
