Attribute VB_Name = "SSCRPricingRibbon"
' The SSCR pricing tab of the ribbon.
Option Explicit

Sub Refresh(control As IRibbonControl)
    ' Refresh the active workbook: fill its computed figures, update its Rates sheet, flag disagreements.
    RunPython "import sscr.addin; sscr.addin.refresh()"
End Sub
