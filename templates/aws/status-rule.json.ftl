{
  "sql": "${aws.ruleSql}",
  "awsIotSqlVersion": "2016-03-23",
  "description": "Republishes ${productName} online/offline status (Last Will included) into the device shadow's reported.online",
  "ruleDisabled": false,
  "actions": [
    {
      "republish": {
        "roleArn": "${aws.ruleRoleArn}",
        "topic": "${aws.ruleTopic}",
        "qos": 1
      }
    }
  ]
}
