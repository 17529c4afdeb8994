{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "iot:Connect",
      "Resource": "${aws.clientResource}",
      "Condition": {
        "Bool": {
          "iot:Connection.Thing.IsAttached": "true"
        }
      }
    },
    {
      "Effect": "Allow",
      "Action": "iot:Publish",
      "Resource": [
<#list aws.publishResources as r>
        "${r}"<#sep>,</#sep>
</#list>
      ]
    },
    {
      "Effect": "Allow",
      "Action": "iot:Subscribe",
      "Resource": [
<#list aws.subscribeResources as r>
        "${r}"<#sep>,</#sep>
</#list>
      ]
    },
    {
      "Effect": "Allow",
      "Action": "iot:Receive",
      "Resource": [
<#list aws.receiveResources as r>
        "${r}"<#sep>,</#sep>
</#list>
      ]
    }
  ]
}
