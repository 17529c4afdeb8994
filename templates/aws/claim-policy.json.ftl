<#if claim??>
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "iot:Connect",
      "Resource": "${claim.connectResource}"
    },
    {
      "Effect": "Allow",
      "Action": "iot:Publish",
      "Resource": [
<#list claim.publishResources as r>
        "${r}"<#sep>,</#sep>
</#list>
      ]
    },
    {
      "Effect": "Allow",
      "Action": "iot:Subscribe",
      "Resource": [
<#list claim.subscribeResources as r>
        "${r}"<#sep>,</#sep>
</#list>
      ]
    },
    {
      "Effect": "Allow",
      "Action": "iot:Receive",
      "Resource": [
<#list claim.receiveResources as r>
        "${r}"<#sep>,</#sep>
</#list>
      ]
    }
  ]
}
</#if>
